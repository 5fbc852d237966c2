#!/bin/sh
echo not a binary
