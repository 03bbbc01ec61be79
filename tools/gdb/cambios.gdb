# GDB script for `make debug`: the symbol file is given on gdb's command line.
set pagination off
set disassembly-flavor att
target remote localhost:1234
break kmain
echo CambiOS-C: QEMU is paused at reset; `continue` boots to kmain.\n
