#!/usr/bin/perl
# Appends "<method> <REMOTE_USER or ->" to $ST_RUN_LOG, so a test can prove whether a protected
# script ran at all (a 401 body alone would not show that), then prints the same as text.
use strict;
use warnings;
my $line = sprintf "%s %s\n", $ENV{REQUEST_METHOD} // '?', $ENV{REMOTE_USER} // '-';
if (my $log = $ENV{ST_RUN_LOG}) {
    open my $fh, '>>', $log or die "$log: $!";
    print $fh $line;
    close $fh;
}
print "Content-Type: text/plain\r\n\r\n", "ran: $line";
