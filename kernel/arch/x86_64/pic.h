/* kernel/arch/x86_64/pic.h - the legacy 8259 PICs, remapped and masked. */
#pragma once

/* Where the remapped PICs would deliver (spec kernel.md section 6). */
#define PIC_VECTOR_BASE	0xF0

/** Remap both PICs to 0xF0-0xFF and mask every line.  Once, at boot. */
void pic_disable(void);
