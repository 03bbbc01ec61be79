/* kernel/core/version.h - the release this tree builds. */
#pragma once

#define CAMBIOS_VERSION "0.1.0"
