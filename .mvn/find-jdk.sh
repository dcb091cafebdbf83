# Sourced by ./mvnw and ./memkit: points JAVA_HOME at a JDK 25 or newer, or explains what is missing.
# Order: $JAVA_HOME if it is 25+, then the newest 25+ JDK under /usr/lib/jvm (or $MEMKIT_JDK_DIRS).

memkit_java_feature() { # prints the feature version of the JDK at $1, or nothing
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 0
  if [ -r "$1/release" ]; then
    sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release"
  else
    "$1/bin/java" -version 2>&1 | sed -n '1s/.*version "\([0-9]*\).*/\1/p'
  fi
}

memkit_find_jdk() {
  local required=25 v best="" best_v=0 dir
  if [ -n "${JAVA_HOME:-}" ]; then
    v=$(memkit_java_feature "$JAVA_HOME")
    if [ -n "$v" ] && [ "$v" -ge "$required" ]; then return 0; fi
    echo "memkit: JAVA_HOME=$JAVA_HOME is JDK ${v:-?}, not $required+; looking under ${MEMKIT_JDK_DIRS:-/usr/lib/jvm}" >&2
  fi
  for dir in ${MEMKIT_JDK_DIRS:-/usr/lib/jvm}/*; do
    [ -d "$dir" ] || continue
    v=$(memkit_java_feature "$dir")
    if [ -n "$v" ] && [ "$v" -ge "$required" ] && [ "$v" -gt "$best_v" ]; then best="$dir"; best_v=$v; fi
  done
  if [ -z "$best" ]; then
    {
      echo "memkit: no JDK $required or newer found."
      echo "  Looked at JAVA_HOME (${JAVA_HOME:-unset}) and ${MEMKIT_JDK_DIRS:-/usr/lib/jvm}/*."
      echo "  Install a JDK $required (e.g. Temurin 25) there, or set JAVA_HOME to one."
    } >&2
    return 1
  fi
  export JAVA_HOME="$best"
}
