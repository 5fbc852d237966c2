#!/bin/sh
exec /opt/jdk/bin/java "$@"
