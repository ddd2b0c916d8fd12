/*
 * version.h: the module's version, the one place it is written (the start-up log line,
 * `make dist`, the Debian package and CHANGELOG.md follow it).
 */
#ifndef ST_CONFIG_VERSION_H
#define ST_CONFIG_VERSION_H

#define ST_MODULE_VERSION "0.3.0"

#endif
