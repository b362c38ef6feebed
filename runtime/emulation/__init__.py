"""Running binaries of another architecture: QEMU user emulation through binfmt_misc."""
