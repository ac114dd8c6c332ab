#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""libvirt for real: the README's domain XML, run with `virsh create`.

Debian's libvirt (libvirt-daemon-system, libvirt-clients; tools/deps installs
them) with no systemd: the test starts virtlogd and libvirtd itself as root
and stops them at the end; if a libvirtd is already running it is used and
left alone (a second privileged libvirtd cannot share /run/libvirt).  libvirt
starts virtiofsd itself from the `filesystem` element.  Each domain's serial
console goes to a file; the domain must end by itself (the guest powers off
through ACPI, on_poweroff destroys the transient domain) with the listing of
the share and the last line `vioshare: exit status N` on the console, and
libvirt must log the end as a guest shutdown.  Domains: the boot image on pc
and on q35 (there without <binary>: libvirt's own choice of virtiofsd), on pc
with the current stack (QEMU 10 as `<emulator>`, virtiofsd 1.13 as `<binary
path>`, both the stack's wrappers), under
KVM where /dev/kvm opens (a SKIP line per check elsewhere), the boot image
without <acpi/> (it cannot power off: it must say so, its vCPU halted while the
domain runs on), GRUB's i386-pc image as the domain's <kernel>, and under
OVMF from a FAT disk the EFI application and the UEFI driver (the README's
startup.nsh recipe: load, connect -r, then the shell lists the share).

Every virsh call has a time limit; one that runs out is a FAIL line naming the
call.  The first `virsh version` may take long: libvirtd answers it once it has
probed every installed QEMU for its capabilities (about 11 s on a new machine,
whose /var/cache/libvirt/qemu/capabilities is empty)."""

import os
import re
import shutil
import stat
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vstest  # noqa: E402
from vstest import check, note  # noqa: E402

URI = "qemu:///system"
LIBVIRTD = "/usr/sbin/libvirtd"
VIRTLOGD = "/usr/sbin/virtlogd"
VIRTIOFSD = "/usr/lib/qemu/virtiofsd"
# The current stack (tools/deps-current): QEMU 10 and the Rust virtiofsd, through their wrappers.
CURRENT_BIN = os.path.join(os.environ.get("VIOSHARE_CURRENT_DIR", "") or "/var/cache/vioshare/current", "bin")
CURRENT_VIRTIOFSD = os.path.join(CURRENT_BIN, "virtiofsd")
CURRENT_QEMU = os.path.join(CURRENT_BIN, "qemu-system-x86_64")
OVMF_CODE = "/usr/share/OVMF/OVMF_CODE_4M.fd"
GRUB_IMG = os.path.join(vstest.REPO, "build", "grub", "i386-pc", "grub.img")
OVMF_VARS = "/usr/share/OVMF/OVMF_VARS_4M.fd"
STATUS_LINE = "vioshare: exit status %d"
FIRST_ANSWER_LIMIT = 120  # seconds for libvirtd's first answer (its QEMU capability probe included)
X86_EFLAGS_IF = 0x200     # RFLAGS.IF: interrupts enabled
GONE_LIMIT = 20           # seconds for libvirt's virtiofsd and QEMU to go once their domains are gone

started = []  # the daemons this test started, stopped at the end


def virsh(*args, timeout=60):
    """(status, output); status None when the call ran out of time (the
    output then says so)."""
    try:
        r = subprocess.run(["virsh", "-c", URI] + list(args), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, "virsh %s: no answer in %.1f s" % (" ".join(args), timeout)
    return r.returncode, r.stdout.decode("utf-8", "replace")


def running(pidfile):
    try:
        with open(pidfile) as f:
            os.kill(int(f.read().strip()), 0)
        return True
    except (OSError, ValueError):
        return False


def start_daemons():
    """virtlogd and libvirtd in the foreground as children of this test
    (unless already running); (True, "") once virsh reaches libvirtd, else
    (False, why)."""
    for binary, pidfile in ((VIRTLOGD, "/run/virtlogd.pid"), (LIBVIRTD, "/run/libvirtd.pid")):
        if running(pidfile):
            note("%s is already running: used and left running" % binary)
            continue
        log = open(os.path.join(vstest.tmpdir(), os.path.basename(binary) + ".log"), "wb")
        started.append(subprocess.Popen([binary], stdin=subprocess.DEVNULL, stdout=log, stderr=log))
    start = time.monotonic()
    while True:
        left = FIRST_ANSWER_LIMIT - (time.monotonic() - start)
        code, out = virsh("version", timeout=max(left, 1))
        if code == 0:
            note("libvirtd answered after %.1f s" % (time.monotonic() - start))
            return True, ""
        if time.monotonic() - start >= FIRST_ANSWER_LIMIT:
            return False, "no answer from libvirtd in %d s: %s" % (FIRST_ANSWER_LIMIT, out.strip())
        time.sleep(0.3)


def stop_daemons():
    for proc in reversed(started):
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def share_tree(top):
    share = os.path.join(top, "share")
    os.makedirs(os.path.join(share, "sub"))
    with open(os.path.join(share, "hello.txt"), "w") as f:
        f.write("hello from the host\n")
    vstest.write_pattern(os.path.join(share, "sub", "data.bin"), 7, 100000)
    return share


def filesystem_xml(share, virtiofsd=VIRTIOFSD):
    """virtiofsd None: no <binary>, libvirt finds Debian's daemon through
    /usr/share/qemu/vhost-user/50-qemu-virtiofsd.json."""
    binary = "\n      <binary path='%s'/>" % virtiofsd if virtiofsd else ""
    return """    <filesystem type='mount' accessmode='passthrough'>
      <driver type='virtiofs' queue='1024'/>%s
      <source dir='%s'/>
      <target dir='myfs'/>
    </filesystem>""" % (binary, share)


def elf_domain(name, top, share, machine, cmdline, acpi=True, virtiofsd=VIRTIOFSD, accel="qemu", mib=512,
               emulator=None, kernel="vioshare.elf"):
    """emulator None: libvirt's default QEMU (Debian's 7.2); kernel: a file in top."""
    return """<domain type='%s'>
  <name>%s</name>
  <memory unit='MiB'>%d</memory>
  <memoryBacking>
    <source type='memfd'/>
    <access mode='shared'/>
  </memoryBacking>
  %s
  <os>
    <type arch='x86_64' machine='%s'>hvm</type>
    <kernel>%s</kernel>
    <cmdline>%s</cmdline>
  </os>
  <on_poweroff>destroy</on_poweroff>
  <devices>%s
%s
    <serial type='file'>
      <source path='%s'/>
    </serial>
  </devices>
</domain>
""" % (accel, name, mib, "<features><acpi/></features>" if acpi else "", machine, os.path.join(top, kernel),
       cmdline, "\n    <emulator>%s</emulator>" % emulator if emulator else "", filesystem_xml(share, virtiofsd),
       os.path.join(top, name + ".console"))


def efi_domain(name, top, share, esp="esp.img"):
    return """<domain type='qemu'>
  <name>%s</name>
  <memory unit='MiB'>1024</memory>
  <memoryBacking>
    <source type='memfd'/>
    <access mode='shared'/>
  </memoryBacking>
  <features>
    <acpi/>
  </features>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <loader readonly='yes' type='pflash'>%s</loader>
    <nvram template='%s'>%s</nvram>
  </os>
  <on_poweroff>destroy</on_poweroff>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='raw'/>
      <source file='%s'/>
      <target dev='vda' bus='virtio'/>
    </disk>
%s
    <serial type='file'>
      <source path='%s'/>
    </serial>
  </devices>
</domain>
""" % (name, OVMF_CODE, OVMF_VARS, os.path.join(top, name + "_VARS.fd"), os.path.join(top, esp),
       filesystem_xml(share), os.path.join(top, name + ".console"))


def make_esp(top, name, program, script):
    """top/name (a FAT image) as the README builds it: program (a file of
    build/) and a startup.nsh of the script's lines, which the shell runs.
    None, or why it failed."""
    esp = os.path.join(top, name + ".d")
    os.mkdir(esp)
    shutil.copy(os.path.join(vstest.REPO, "build", program), esp)
    with open(os.path.join(esp, "startup.nsh"), "w", newline="") as f:
        f.write("".join(l + "\r\n" for l in script))
    img = os.path.join(top, name)
    for argv in (["mkfs.vfat", "-C", img, "8192"],
                 ["mcopy", "-i", img, os.path.join(esp, program), os.path.join(esp, "startup.nsh"), "::/"]):
        r = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if r.returncode != 0:
            return "%s failed (status %d): %s" % (argv[0], r.returncode, r.stdout.decode(errors="replace")[-300:])
    return None


# The README's driver recipe: loaded by startup.nsh, it takes the share from
# VirtioFsDxe; the shell lists its two file systems between two marks (after
# `map -r` the share may be either: the order is the shell's) and powers off.
DRIVER_SCRIPT = ["@echo -off", "load fs0:\\vioshare-fs.efi", "connect -r", "map -r", "echo =B-ls=", "ls fs0:\\",
                 "ls fs1:\\", "echo =E-ls=", "reset -s"]
VENDOR_NODE = "VenMedia(7A3C1D52-9B4E-4F06-8D21-5E6F903BA4C7"


def check_driver(r, share):
    """The UEFI driver's run under libvirt: the share mapped by the driver,
    its listing, the end."""
    text = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", r.console)
    mapped = re.search(r"(FS\d+): .*\n\s+PciRoot\(0x0\)/Pci\([^)]*\)/" + re.escape(VENDOR_NODE), text)
    check("UEFI driver under OVMF (startup.nsh: load, connect -r): a file system is the share by vioshare's "
          "device path", r.code == 0 and mapped is not None, "%s; %r" % (r.out.strip(), text[-800:]))
    fs = mapped.group(1).lower() if mapped else "fs?"
    i = text.find("Directory of: %s:\\" % fs)
    listed = text[i:text.find("Dir(s)", i)] if i >= 0 else ""
    check("UEFI driver: the shell's ls of that file system names what the host has (hello.txt, sub)",
          bool(listed) and all(re.search(r"\s%s/?\s*$" % n, listed, re.M) for n in os.listdir(share)),
          repr(listed[-600:] or text[-600:]))
    check("UEFI driver: the domain ends by itself (reset -s), as a guest shutdown",
          r.seconds is not None and "shutting down, reason=shutdown" in r.qlog,
          r.problem or "seconds %r, libvirt log tail %r" % (r.seconds, r.qlog[-300:]))


def grub_share(top):
    """A share whose /boot/grub/grub.cfg lists it between two marks and halts."""
    share = os.path.join(top, "grubshare")
    os.makedirs(os.path.join(share, "boot", "grub"))
    with open(os.path.join(share, "boot", "grub", "grub.cfg"), "w") as f:
        f.write("echo GRUB-LS-BEGIN\nls ($root)/\necho GRUB-LS-END\nhalt\n")
    with open(os.path.join(share, "hello.txt"), "w") as f:
        f.write("hello from the host\n")
    return share


def check_grub(r, share):
    """GRUB's run under libvirt: the listing of the share and the end."""
    text = r.console
    i, j = text.find("GRUB-LS-BEGIN\n"), text.find("GRUB-LS-END")
    got = sorted(text[i + len("GRUB-LS-BEGIN\n"):j].split()) if 0 <= i < j else None
    want = sorted(n + "/" if os.path.isdir(os.path.join(share, n)) else n for n in os.listdir(share))
    check("GRUB i386-pc as the domain's <kernel>: it reads grub.cfg from the share and lists the share as the "
          "host has it", r.code == 0 and got == want, "%s; guest %r, host %r" % (r.out.strip(), got, want))
    check("GRUB i386-pc: its halt ends the domain, as a guest shutdown",
          r.seconds is not None and "shutting down, reason=shutdown" in r.qlog,
          r.problem or "seconds %r, libvirt log tail %r" % (r.seconds, r.qlog[-300:]))


def read_console(top, name):
    try:
        with open(os.path.join(top, name + ".console"), "rb") as f:
            return f.read().replace(b"\r\n", b"\n").decode("utf-8", "replace")
    except OSError:
        return ""


class Run:
    """What run_domain saw: virsh create's status and output, the console
    text, the seconds from virsh create to the domain's end (None: still
    running, destroyed), libvirt's log of the domain, whether the vCPU was
    seen halted while the domain ran (with `halted`), and why the watch was cut
    short (a virsh call that ran out of time), or None."""

    def __init__(self, code, out):
        self.code, self.out = code, out
        self.console, self.seconds, self.qlog = "", None, ""
        self.parked, self.problem = False, None


def state(name):
    """(virsh domstate's status, the state): status 1 once the transient
    domain is gone, None when virsh ran out of time."""
    code, out = virsh("domstate", name, timeout=30)
    return code, out.strip()


def parked(name, end):
    """After the console shows `halted`: polls QEMU's register dump until the
    vCPU is halted with interrupts off (the image ends in cli; hlt: it can do
    nothing more), then asks whether the domain is still running.
    (True, "") or (False, why)."""
    regs = ""
    while time.monotonic() < end:
        code, regs = virsh("qemu-monitor-command", name, "--hmp", "info registers", timeout=30)
        if code is None:
            return False, regs
        m = re.search(r"[RE]FL=([0-9a-f]+) .* HLT=(\d)", regs)
        if code == 0 and m and m.group(2) == "1" and not int(m.group(1), 16) & X86_EFLAGS_IF:
            code, st = state(name)
            return code == 0 and st == "running", "after the vCPU halted, virsh domstate says %r" % st
        time.sleep(0.2)
    m = re.search(r"[RE]FL=\S+ .*", regs)
    return False, "the vCPU was never seen halted with interrupts off (last: %r)" % (m.group(0) if m else regs[-200:])


def run_domain(name, top, xml, limit, halted=None):
    """virsh create, then wait until the transient domain is gone, at most
    `limit` seconds (or, with `halted`, until the console shows that text and
    the domain is seen parked: see parked()).  Returns a Run."""
    path = os.path.join(top, name + ".xml")
    with open(path, "w") as f:
        f.write(xml)
    start = time.monotonic()
    r = Run(*virsh("create", path))
    if r.code == 0:
        end = start + limit
        while time.monotonic() < end:
            code, st = state(name)
            if code is None:
                r.problem = st
                break
            if code != 0:
                r.seconds = time.monotonic() - start
                break
            if halted and halted in read_console(top, name):
                ok, why = parked(name, end)
                r.parked, r.problem = ok, None if ok else why
                break
            time.sleep(0.2)
        if r.seconds is None:
            virsh("destroy", name)
    r.console = read_console(top, name)
    try:
        with open("/var/log/libvirt/qemu/%s.log" % name) as f:
            r.qlog = f.read()
    except OSError:
        pass
    for log in ("%s.log", "%s-fs0-virtiofsd.log"):
        try:
            os.unlink("/var/log/libvirt/qemu/" + log % name)
        except OSError:
            pass
    note("%s: virsh create: %s; %s" % (name, r.out.strip(), "ended after %.1f s" % r.seconds if r.seconds else
                                         "still running, destroyed"))
    note(r.console[-1500:])
    return r


def lines(text):
    return [l.rstrip() for l in text.split("\n") if l.strip()]


def host_listing(share):
    """The fields of each line `ls -l` prints for the share's root, from the
    host's lstat (names sorted by their bytes, times in UTC)."""
    rows = []
    for name in sorted(os.listdir(share), key=os.fsencode):
        st = os.lstat(os.path.join(share, name))
        mtime = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(st.st_mtime_ns // 10 ** 9))
        rows.append([stat.filemode(st.st_mode), str(st.st_nlink), str(st.st_uid), str(st.st_gid),
                     str(st.st_size)] + mtime.split(" ") + [name])
    return rows


def run_checks(what, status):
    """The names of check_run's checks, in order (a skipped run prints one SKIP line for each)."""
    return ["%s: virsh create accepts the domain" % what,
            "%s: the guest lists the share as the host has it (ls -l: hello.txt, sub)" % what,
            "%s: the guest's last line is '%s'" % (what, STATUS_LINE % status),
            "%s: the domain ends by itself, as a guest shutdown" % what]


def check_run(what, r, share, status):
    accepted, listed, last, ended = run_checks(what, status)
    ls = lines(r.console)
    check(accepted, r.code == 0, r.out.strip())
    vioshare = [l for l in ls if not l.startswith("Reset with")]  # the UEFI shell's `reset -s` says so
    want = host_listing(share)
    # The listing: the lines right before the status line.
    got = [l.split() for l in vioshare[-1 - len(want):-1]]
    check(listed, got == want, "guest %r, host %r" % (got, want))
    check(last, vioshare and vioshare[-1] == STATUS_LINE % status, ls[-3:])
    check(ended, r.seconds is not None and "shutting down, reason=shutdown" in r.qlog,
          r.problem or "seconds %r, libvirt log tail %r" % (r.seconds, r.qlog[-300:]))
    if r.seconds is not None:
        note("TIME %s: %.1f s from virsh create to the domain's end" % (what, r.seconds))


def leftovers(top):
    """Processes whose command line names the test's directory (virtiofsd,
    QEMU) left behind by libvirt."""
    found = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open("/proc/%s/cmdline" % pid, "rb") as f:
                    if top.encode() in f.read():
                        found.append(int(pid))
            except OSError:
                pass
    return found


def main():
    missing = [p for p in (LIBVIRTD, VIRTLOGD, VIRTIOFSD, OVMF_CODE) if not os.path.exists(p)]
    missing += [t for t in ("virsh", "mkfs.vfat", "mcopy") if not shutil.which(t)]
    if missing or os.geteuid() != 0:
        check("libvirt is installed and the test runs as root (tools/deps installs libvirt-daemon-system, "
              "libvirt-clients, dosfstools, mtools)", False,
              "missing: %s%s" % (", ".join(missing) or "nothing", "; not root" if os.geteuid() else ""))
        return vstest.finish()
    if not (vstest.require_image(vstest.IMAGE) and
            vstest.require_image(os.path.join(vstest.REPO, "build", "vioshare.efi"))):
        return vstest.finish()
    top = vstest.tmpdir("vstest-libvirt-")
    os.chmod(top, 0o755)  # QEMU runs as libvirt-qemu: it must reach the kernel and esp.img
    share = share_tree(top)
    shutil.copy(vstest.IMAGE, os.path.join(top, "vioshare.elf"))
    tag = "vioshare-test-%d" % os.getpid()
    try:
        up, why = start_daemons()
        if not check("virtlogd and libvirtd start and answer virsh", up, why):
            return vstest.finish()
        for machine, status, virtiofsd in (("pc", 3, VIRTIOFSD), ("q35", 0, None)):
            name = "%s-%s" % (tag, machine)
            xml = elf_domain(name, top, share, machine, "ls -l /myfs; exit %d" % status, virtiofsd=virtiofsd)
            what = "boot image, %s%s" % (machine, "" if virtiofsd else ", virtiofsd found by libvirt")
            check_run(what, run_domain(name, top, xml, 120), share, status)

        if check("the current stack is installed (tools/deps-current)",
                 os.path.exists(CURRENT_VIRTIOFSD) and os.path.exists(CURRENT_QEMU), "%s is missing" % CURRENT_BIN):
            name = tag + "-current"
            xml = elf_domain(name, top, share, "pc", "ls -l /myfs; exit 5", virtiofsd=CURRENT_VIRTIOFSD,
                             emulator=CURRENT_QEMU)
            r = run_domain(name, top, xml, 120)
            check_run("boot image, pc, QEMU 10 and virtiofsd 1.13", r, share, 5)
            check("boot image, pc, current stack: libvirt ran the stack's QEMU 10", CURRENT_QEMU in r.qlog,
                  "libvirt's log of the domain does not name %s: %r" % (CURRENT_QEMU, r.qlog[-300:]))

        no_kvm = vstest.kvm_unusable()
        if not no_kvm:
            name = tag + "-kvm"
            # Nested KVM here is slow to touch guest memory: a small guest.
            xml = elf_domain(name, top, share, "pc", "ls -l /myfs; exit 6", accel="kvm", mib=128)
            check_run("boot image, pc, KVM", run_domain(name, top, xml, 180), share, 6)
        else:
            for what in run_checks("boot image, pc, KVM", 6):
                vstest.skip(what, no_kvm, allowed_in_ci=True)

        name = tag + "-noacpi"
        r = run_domain(name, top, elf_domain(name, top, share, "pc", "ls -l /myfs", acpi=False), 120,
                       halted="vioshare: cannot power off")
        ls = lines(r.console)
        check("boot image without <acpi/>: the status line, then why it cannot power off; its vCPU halts "
              "and the domain stays up",
              len(ls) >= 2 and ls[-2] == STATUS_LINE % 0 and
              ls[-1].startswith("vioshare: cannot power off: no ACPI RSDP") and r.parked and r.seconds is None,
              "%s; seconds %r, last lines %r" % (r.problem, r.seconds, ls[-2:]))

        name = tag + "-grub"
        if check("make grub built build/grub/i386-pc/grub.img", os.path.isfile(GRUB_IMG), "%s is missing" % GRUB_IMG):
            shutil.copy(GRUB_IMG, os.path.join(top, "grub.img"))
            gshare = grub_share(top)
            check_grub(run_domain(name, top, elf_domain(name, top, gshare, "pc", "", kernel="grub.img"), 120), gshare)
        else:
            vstest.skip("GRUB i386-pc under libvirt: check 1 of 2", "no GRUB image")
            vstest.skip("GRUB i386-pc under libvirt: check 2 of 2", "no GRUB image")

        name = tag + "-efi"
        esp_failed = make_esp(top, "esp.img", "vioshare.efi",
                              ["@echo -off", "fs0:\\vioshare.efi ls -l /myfs; exit 4", "reset -s"])
        if esp_failed:
            for what in run_checks("EFI app under OVMF", 4):
                check(what, False, esp_failed)
        else:
            check_run("EFI app under OVMF", run_domain(name, top, efi_domain(name, top, share), 240), share, 4)

        name = tag + "-driver"
        esp_failed = make_esp(top, "driver-esp.img", "vioshare-fs.efi", DRIVER_SCRIPT)
        if esp_failed:
            for i in range(3):
                check("UEFI driver under OVMF: check %d of 3" % (i + 1), False, esp_failed)
        else:
            check_driver(run_domain(name, top, efi_domain(name, top, share, "driver-esp.img"), 240), share)
    finally:
        for suffix in ("pc", "q35", "current", "kvm", "noacpi", "grub", "efi", "driver"):
            if state("%s-%s" % (tag, suffix))[0] == 0:
                virsh("destroy", "%s-%s" % (tag, suffix))
        stop_daemons()
    end = time.monotonic() + GONE_LIMIT
    left = leftovers(top)
    while left and time.monotonic() < end:
        time.sleep(0.1)
        left = leftovers(top)
    check("nothing left running (libvirt's virtiofsd and QEMU, the daemons this test started)",
          not left and all(p.poll() is not None for p in started), "pids %r" % left)
    return vstest.finish()


if __name__ == "__main__":
    sys.exit(main())
