# Sourced by scripts/demo.sh and scripts/test.sh: install Debian packages the project needs.
# apt_install PKG...: apt-get update once, then install (needs root and apt-get).
apt_install() {
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
        # Another apt-get of the same run (scripts/test.sh installs Debian packages beside setup.sh)
        # is waited for, not failed on.
        if [ -z "${_apt_updated:-}" ]; then
            apt-get -o DPkg::Lock::Timeout=300 update -qq >/dev/null && _apt_updated=1
        fi
        DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq "$@" >/dev/null
    else
        echo "cannot install $* (needs root and apt-get)" >&2
        return 1
    fi
}

# ensure_cjk_font: Debian's Noto CJK, of which the dashboard embeds the subset its page uses
# (scripts/revops/dashboard/fonts.py; REVOPS_CJK_FONT_DIR points elsewhere).
ensure_cjk_font() {
    if ! has_cjk_font; then
        echo "installing Debian's fonts-noto-cjk (the dashboard embeds a subset of it)"
        apt_install fonts-noto-cjk
    fi
}

# has_cjk_font: whether both weights the dashboard embeds are there.
has_cjk_font() {
    local dir="${REVOPS_CJK_FONT_DIR:-/usr/share/fonts/opentype/noto}"
    [ -f "$dir/NotoSansCJK-Regular.ttc" ] && [ -f "$dir/NotoSansCJK-Bold.ttc" ]
}
