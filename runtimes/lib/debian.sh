# Runtimes from Debian packages (sourced by runtimes/<id>/build.sh after common.sh).
#
# A throwaway apt root (its own sources, lists, cache and an EMPTY dpkg status) resolves the full
# dependency closure of the packages a runtime needs exactly as apt would on a bare system, so the
# result does not depend on what the build host has installed or on its extra apt sources
# (nodesource, backports). Packages are fetched with `apt-get download` and unpacked with
# `dpkg-deb -x`: nothing is installed on the host, no maintainer script runs.
#
# Settings (environment):
#   JOBLET_APT_ROOT        the apt root (default /var/cache/joblet/apt-root; lists and .debs are kept)
#   JOBLET_DEBIAN_MIRROR   default http://deb.debian.org/debian
#   JOBLET_DEBIAN_SECURITY default http://deb.debian.org/debian-security
#   JOBLET_DEBIAN_SUITE    default bookworm (Debian 12)
#   JOBLET_APT_MAX_AGE     seconds before the lists are refreshed (default 86400)

# Packages a runtime never carries: the host's C library (every worker has it, and ld.so must match
# it) and packaging machinery that the closure drags in but nothing runs inside a job.
DEB_HOST_PACKAGES=(libc6 libc-bin dpkg tar debconf perl-base install-info)

deb_require_tools() {
    command -v apt-get >/dev/null || missing_input "apt-get (a Debian host)"
    command -v dpkg-deb >/dev/null || missing_input "dpkg-deb (apt install dpkg)"
    command -v readelf >/dev/null || missing_input "readelf (apt install binutils)"
    [[ -f /usr/share/keyrings/debian-archive-keyring.gpg ]] ||
        missing_input "/usr/share/keyrings/debian-archive-keyring.gpg (apt install debian-archive-keyring)"
}

# deb_arch: the Debian architecture of this host (amd64, arm64).
deb_arch() { dpkg --print-architecture; }

# deb_triplet: the multiarch library directory name (x86_64-linux-gnu, aarch64-linux-gnu).
deb_triplet() {
    case "$(deb_arch)" in
        amd64) echo x86_64-linux-gnu ;;
        arm64) echo aarch64-linux-gnu ;;
        *) die "unsupported Debian architecture $(deb_arch)" ;;
    esac
}

# deb_apt_setup: creates (or refreshes) the apt root; sets APT_OPTS for apt-get/apt-cache.
deb_apt_setup() {
    deb_require_tools
    local root="${JOBLET_APT_ROOT:-/var/cache/joblet/apt-root}"
    local mirror="${JOBLET_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
    local security="${JOBLET_DEBIAN_SECURITY:-http://deb.debian.org/debian-security}"
    local suite="${JOBLET_DEBIAN_SUITE:-bookworm}" key=/usr/share/keyrings/debian-archive-keyring.gpg
    mkdir -p "$root"/etc/sources.list.d "$root"/etc/preferences.d "$root"/etc/apt.conf.d \
             "$root"/state/lists/partial "$root"/cache/archives/partial "$root"/debs
    APT_ROOT="$(cd "$root" && pwd)"
    : > "$APT_ROOT/status.new"
    [[ -f "$APT_ROOT/status" ]] || mv "$APT_ROOT/status.new" "$APT_ROOT/status"
    rm -f "$APT_ROOT/status.new"
    cat > "$APT_ROOT/etc/sources.list.new" <<EOF
deb [signed-by=$key] $mirror $suite main
deb [signed-by=$key] $mirror $suite-updates main
deb [signed-by=$key] $security $suite-security main
EOF
    APT_OPTS=(-o "Dir::Etc=$APT_ROOT/etc" -o "Dir::Etc::SourceList=$APT_ROOT/etc/sources.list"
              -o "Dir::Etc::SourceParts=$APT_ROOT/etc/sources.list.d"
              -o "Dir::Etc::Preferences=$APT_ROOT/etc/preferences"
              -o "Dir::Etc::PreferencesParts=$APT_ROOT/etc/preferences.d"
              -o "Dir::Etc::Parts=$APT_ROOT/etc/apt.conf.d"
              -o "Dir::State=$APT_ROOT/state" -o "Dir::State::status=$APT_ROOT/status"
              -o "Dir::Cache=$APT_ROOT/cache" -o "APT::Architecture=$(deb_arch)"
              -o "APT::Architectures=$(deb_arch)" -o "Acquire::Languages=none"
              -o "APT::Sandbox::User=root" -o "Debug::NoLocking=1" -o "APT::Get::Show-Versions=1")
    # One refresh at a time across concurrent builds (tests build several runtimes in parallel).
    exec 7>"$APT_ROOT/.lock"
    flock 7
    local max_age="${JOBLET_APT_MAX_AGE:-86400}" stamp="$APT_ROOT/.updated" now
    now=$(date +%s)
    if ! cmp -s "$APT_ROOT/etc/sources.list.new" "$APT_ROOT/etc/sources.list" ||
       [[ ! -f "$stamp" ]] || (( now - $(stat -c %Y "$stamp") > max_age )); then
        mv "$APT_ROOT/etc/sources.list.new" "$APT_ROOT/etc/sources.list"
        echo "apt root $APT_ROOT: updating package lists ($suite, $suite-updates, $suite-security)"
        apt-get "${APT_OPTS[@]}" -q update >"$APT_ROOT/update.log" 2>&1 ||
            die "apt-get update in $APT_ROOT failed (is $mirror reachable?): $(tail -5 "$APT_ROOT/update.log")"
        grep -q '^[WE]:' "$APT_ROOT/update.log" &&
            die "apt-get update in $APT_ROOT reported problems: $(grep '^[WE]:' "$APT_ROOT/update.log")"
        touch "$stamp"
    fi
    rm -f "$APT_ROOT/etc/sources.list.new"
    exec 7>&-
}

# deb_resolve PKG[=VERSION]…: prints "name=version" for the whole closure apt would install on an empty
# system (no recommends), minus DEB_HOST_PACKAGES.
deb_resolve() {
    local out
    out=$(apt-get "${APT_OPTS[@]}" -s -q install --no-install-recommends "$@" 2>&1) ||
        die "apt cannot resolve $*: $out"
    awk -v skip=" ${DEB_HOST_PACKAGES[*]} " '
        $1 == "Inst" { name = $2; ver = $3; gsub(/[()]/, "", ver)
                       if (index(skip, " " name " ") == 0) print name "=" ver }' <<< "$out" | sort
}

# deb_fetch NAME=VERSION…: makes sure each .deb is in $APT_ROOT/debs (checked against the archive's
# sha256 by apt); prints the paths.
deb_fetch() {
    local uris line url file size hash missing=()
    # Asked from an empty directory: apt leaves out what the current directory already holds.
    mkdir -p "$APT_ROOT/empty"
    uris=$(cd "$APT_ROOT/empty" && apt-get "${APT_OPTS[@]}" -q --print-uris download "$@" 2>&1) ||
        die "apt-get download --print-uris $* failed: $uris"
    while read -r url file size hash; do
        [[ "$url" == \'* ]] || continue
        [[ -f "$APT_ROOT/debs/$file" && "$(stat -c %s "$APT_ROOT/debs/$file")" == "$size" ]] || missing+=("$file")
        echo "$APT_ROOT/debs/$file"
    done <<< "$uris"
    if (( ${#missing[@]} )); then
        (cd "$APT_ROOT/debs" && apt-get "${APT_OPTS[@]}" -q download "$@" >"$APT_ROOT/download.log" 2>&1) ||
            die "apt-get download failed: $(tail -5 "$APT_ROOT/download.log")"
    fi
}

# deb_unpack DEST PKG[=VERSION]…: unpacks the closure of the packages into DEST (a root: DEST/usr/…)
# and writes DEST/debian-packages.txt (name=version, one a line) for provenance.
deb_unpack() {
    local dest="$1" deb closure
    shift
    deb_apt_setup
    closure=$(deb_resolve "$@")
    [[ -n "$closure" ]] || die "apt resolved nothing for $*"
    mkdir -p "$dest"
    # shellcheck disable=SC2046 # one package per word
    for deb in $(deb_fetch $closure); do
        dpkg-deb -x "$deb" "$dest" || die "dpkg-deb -x $deb failed"
    done
    deb_merge_usr "$dest"
    echo "$closure" > "$dest/debian-packages.txt"
    echo "unpacked $(wc -l <<< "$closure") Debian packages into $dest"
}

# deb_merge_usr ROOT: Debian 12 packages still ship some files under /lib and /bin (libgcc_s, zlib);
# fold them into ROOT/usr as a merged-/usr system has them, so a runtime needs only its usr tree.
deb_merge_usr() {
    local top
    for top in bin sbin lib lib64; do
        [[ -d "$1/$top" && ! -L "$1/$top" ]] || continue
        mkdir -p "$1/usr/$top"
        cp -a "$1/$top/." "$1/usr/$top/"
        rm -rf "${1:?}/$top"
    done
}

# deb_prune ROOT: drops what no job reads (documentation, manuals, lintian overrides).
deb_prune() {
    rm -rf "$1"/usr/share/doc "$1"/usr/share/man "$1"/usr/share/info "$1"/usr/share/lintian \
           "$1"/usr/share/bug "$1"/usr/share/gcc "$1"/usr/share/gdb "$1"/usr/share/systemtap \
           "$1"/usr/share/locale "$1"/etc/cron.* "$1"/etc/logrotate.d "$1"/etc/init.d
}

# host_libc_sonames: the shared objects of the host's C library package (libc6), from its .deb in
# the apt root — what a runtime may leave to the host.
host_libc_sonames() {
    local deb
    deb=$(deb_fetch "libc6" | tail -1)
    dpkg-deb -c "$deb" | awk '{print $NF}' | grep -E '/(ld-linux[^/]*|lib[^/]*\.so[.0-9]*)$' |
        sed 's|.*/||' | sort -u
}

# check_shared_libraries DIR LIBDIR…: every ELF object in DIR must find each library it needs in
# its own RUNPATH/RPATH ($ORIGIN expanded), in one of the LIBDIRs (paths inside DIR), or in the host's
# C library. Fails naming the object and the library otherwise.
check_shared_libraries() {
    local root="$1" file needed dirs dir found rpath missing=0
    shift
    local libc
    libc=" $(host_libc_sonames | tr '\n' ' ') "
    while IFS= read -r -d '' file; do
        # Only ELF files (the magic), and only those with a dynamic section.
        [[ "$(head -c 4 "$file" | od -An -c | tr -d ' ')" == '177ELF' ]] || continue
        local info
        info=$(readelf -dW "$file" 2>/dev/null) || continue
        rpath=$(sed -n 's/.*(R\(UN\)\{0,1\}PATH).*\[\(.*\)\]/\2/p' <<< "$info" | tr ':' ' ')
        rpath=${rpath//\$ORIGIN/$(dirname "$file")}
        rpath=${rpath//\$\{ORIGIN\}/$(dirname "$file")}
        while IFS= read -r needed; do
            [[ -n "$needed" ]] || continue
            [[ "$libc" == *" $needed "* ]] && continue
            found=0
            # auditwheel's <pkg>.libs: its libraries name their siblings, which the extension
            # module that links them has loaded before (ld.so matches loaded sonames first).
            local own=()
            [[ "$(dirname "$file")" == *.libs ]] && own=("$(dirname "$file")")
            for dir in $rpath "$@" ${own[@]+"${own[@]}"}; do
                [[ -e "$dir/$needed" ]] && { found=1; break; }
            done
            if (( ! found )); then
                echo "error: ${file#"$root"/} needs $needed, which the runtime does not carry" >&2
                missing=1
            fi
        done < <(sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' <<< "$info")
    done < <(find "$root" -type f \( -name '*.so*' -o -perm -u+x \) -print0)
    (( ! missing )) || die "the runtime in $root misses shared libraries (listed above); add the Debian packages that ship them"
}
