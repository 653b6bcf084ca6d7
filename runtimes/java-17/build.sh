#!/usr/bin/env bash
# Builds runtime java-17 from Debian's OpenJDK 17 (/usr/lib/jvm/java-17-openjdk-amd64),
# dereferencing its links into /etc so the JDK is self-contained.
# Usage: runtimes/java-17/build.sh OUTDIR
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
ID=java-17
JDK=""
for candidate in /usr/lib/jvm/java-17-openjdk-amd64 /usr/lib/jvm/java-17-openjdk-arm64 /usr/lib/java-17-openjdk-amd64; do
    [[ -x "$candidate/bin/java" ]] && { JDK="$candidate"; break; }
done
[[ -n "$JDK" ]] || missing_input "OpenJDK 17 (apt install openjdk-17-jdk-headless)"
begin_build "$ID" "${1:-}"

cp -a "$JDK" "$STAGE/jdk"
# Debian points conf/ and lib/security/cacerts etc. into /etc; a job does not see all of /etc.
make_self_contained "$STAGE/jdk"
# Documentation/source archives are not needed at run time.
rm -rf "$STAGE/jdk/man" "$STAGE/jdk/lib/src.zip" "$STAGE/jdk/docs"
install_runtime_yml "$ID"
finish_build
