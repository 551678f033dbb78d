# Finds a JDK 21 or newer whatever the default `java` is, and makes it JAVA_HOME. POSIX sh, sourced by ./mvnw,
# ./batchcall and .ci/run, so that all three agree on which Java runs batchcall.
#
# Order: JAVA_HOME if it is 21+, then the default java if it is 21+ (both are the user's own choice), else the
# newest 21+ JDK among JAVA_HOME_<n>_<arch> variables (as CI runners set), the JVM directory beside the default
# java, and the usual places: SDKMAN, /usr/lib/jvm, /usr/lib64/jvm, macOS's /Library/Java/JavaVirtualMachines and
# /usr/libexec/java_home. BATCHCALL_JVM_DIRS (directories separated by ':') replaces the usual places.
# A JDK's version is read from its `release` file, so no JVM starts just to be measured.

BATCHCALL_MIN_JAVA=21

# The feature version of the JDK at $1 (17, 21, 25), or nothing when it cannot be told.
batchcall_java_major() (
  version=
  if [ -r "$1/release" ]; then
    version=$(sed -n 's/^JAVA_VERSION="\([^"]*\)".*/\1/p' "$1/release")
  fi
  if [ -z "$version" ] && [ -x "$1/bin/java" ]; then
    version=$("$1/bin/java" -XshowSettings:properties -version 2>&1 |
      sed -n 's/^ *java\.specification\.version = //p')
  fi
  version=${version#1.}
  printf '%s\n' "${version%%[!0-9]*}"
)

# The home of the default java (the first on PATH, symlinks resolved), or nothing.
batchcall_default_java_home() (
  java=$(command -v java 2>/dev/null) || exit 0
  real=$(readlink -f "$java" 2>/dev/null) || real=$java
  case "$real" in
  */bin/java) printf '%s\n' "${real%/bin/java}" ;;
  esac
)

# Prints the home of a JDK 21+ (with javac when $1 is javac), or fails. Runs in a subshell: mvnw sets -f
# (no globbing), and the search needs globs.
batchcall_find_jdk() (
  set +f
  need=${1:-javac}
  usable() {
    [ -n "$1" ] && [ -x "$1/bin/java" ] || return 1
    [ "$need" = java ] || [ -x "$1/bin/javac" ] || return 1
    major=$(batchcall_java_major "$1")
    [ -n "$major" ] && [ "$major" -ge "$BATCHCALL_MIN_JAVA" ]
  }
  for home in "${JAVA_HOME-}" "$(batchcall_default_java_home)"; do
    if usable "$home"; then printf '%s\n' "$home"; exit 0; fi
  done

  best= best_major=0
  consider() {
    if usable "$1" && [ "$major" -gt "$best_major" ]; then best=$1 best_major=$major; fi
  }
  consider_dir() {
    [ -d "$1" ] || return 0
    for home in "$1"/*; do
      consider "$home"
      consider "$home/Contents/Home"
    done
  }
  for home in $(env | sed -n 's/^JAVA_HOME_[0-9][0-9]*_[A-Za-z0-9_]*=//p'); do consider "$home"; done
  default_home=$(batchcall_default_java_home)
  [ -z "$default_home" ] || consider_dir "$(dirname "$default_home")"
  if [ -n "${BATCHCALL_JVM_DIRS-}" ]; then
    old_ifs=$IFS IFS=:
    set -- $BATCHCALL_JVM_DIRS
    IFS=$old_ifs
    for dir in "$@"; do consider_dir "$dir"; done
  else
    for dir in "${HOME-}/.sdkman/candidates/java" /usr/lib/jvm /usr/lib64/jvm /Library/Java/JavaVirtualMachines; do
      consider_dir "$dir"
    done
    if [ -x /usr/libexec/java_home ]; then
      consider "$(/usr/libexec/java_home -v "$BATCHCALL_MIN_JAVA+" 2>/dev/null || :)"
    fi
  fi
  [ -n "$best" ] || exit 1
  printf '%s\n' "$best"
)

# Exports JAVA_HOME (and puts its bin first on PATH) as a JDK 21+, or says what to install and fails at once.
# $1: javac to build, java to run.
batchcall_use_jdk() {
  if ! _batchcall_home=$(batchcall_find_jdk "${1:-javac}"); then
    _batchcall_default=$(batchcall_default_java_home)
    {
      echo "batchcall needs Java $BATCHCALL_MIN_JAVA or newer (a JDK to build it, a JRE or JDK to run it) and found none."
      echo "  default java: ${_batchcall_default:-none on PATH}${_batchcall_default:+ (Java $(batchcall_java_major "$_batchcall_default"))}"
      echo "  JAVA_HOME: ${JAVA_HOME:-not set}"
      echo "  also looked in: JAVA_HOME_<n>_<arch> variables, the JVM directory beside the default java,"
      echo "    ${BATCHCALL_JVM_DIRS:-~/.sdkman/candidates/java, /usr/lib/jvm, /usr/lib64/jvm, /Library/Java/JavaVirtualMachines}"
      echo "Install a JDK 21 or newer, for example:"
      echo "  Debian/Ubuntu: sudo apt-get install openjdk-21-jdk      Fedora: sudo dnf install java-21-openjdk-devel"
      echo "  macOS: brew install --cask temurin@21                   SDKMAN: sdk install java 21-tem"
      echo "  or a download from https://adoptium.net; then run this again (or set JAVA_HOME to it)."
    } >&2
    return 1
  fi
  if [ "${JAVA_HOME-}" != "$_batchcall_home" ] && [ "$(batchcall_default_java_home)" != "$_batchcall_home" ]; then
    echo "Using Java $(batchcall_java_major "$_batchcall_home") at $_batchcall_home (JAVA_HOME and the default java are not $BATCHCALL_MIN_JAVA or newer)" >&2
  fi
  JAVA_HOME=$_batchcall_home
  PATH="$JAVA_HOME/bin:$PATH"
  export JAVA_HOME PATH
  unset _batchcall_home _batchcall_default
}
