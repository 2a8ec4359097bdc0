#!/bin/bash -eu
# ClusterFuzzLite build: the same as OSS-Fuzz's (scripts/oss-fuzz/build.sh).
exec "$SRC/iotfuzz/scripts/oss-fuzz/build.sh"
