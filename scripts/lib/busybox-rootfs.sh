# Sourced by the image scripts: a minimal root filesystem around Debian's static busybox.
#   is_static FILE           whether FILE is a statically linked executable
#   busybox_rootfs DIR [BB]  DIR gets /bin/busybox with every applet as a symlink, /tmp
#                            (1777), /etc/passwd and /etc/group (root, nobody)

# (ldd exits non-zero on a static binary: read its words, not its status, under pipefail)
is_static() {
  local out
  out=$(ldd "$1" 2>&1 || true)
  grep -Eq 'not a dynamic executable|statically linked' <<<"$out"
}

busybox_rootfs() {
  local root=$1 bb=${2:-/bin/busybox} applet
  mkdir -p "$root/bin" "$root/tmp" "$root/etc"
  chmod 1777 "$root/tmp"
  install -m 0755 "$bb" "$root/bin/busybox"
  for applet in $("$bb" --list); do
    [ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' \
    >"$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
}
