#!/bin/sh
echo "hello from a dfc-built image"
