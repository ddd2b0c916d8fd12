#!/usr/bin/perl
# Prints the environment exactly as httpd passed it (/proc/self/environ, in order, duplicates
# kept, which %ENV would fold) as a JSON array of NAME=value strings.
use strict;
use warnings;
use JSON::PP ();
open(my $fh, '<', '/proc/self/environ') or die "environ: $!";
local $/;
my $raw = <$fh>;
print "Content-Type: application/json\r\n\r\n";
print JSON::PP->new->encode([ split /\0/, $raw ]);
