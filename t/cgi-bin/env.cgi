#!/usr/bin/perl
# Prints the CGI environment as JSON so tests can check REMOTE_USER and the session variables.
use strict;
use warnings;
use JSON::PP ();
print "Content-Type: application/json\r\n\r\n";
print JSON::PP->new->canonical->encode({ %ENV });
