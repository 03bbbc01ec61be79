# kernel/policy: layer 1 of the three-layer enforcement, the syscall
# policy and its upcall to the policy service (docs/policy.md).
# policy_core.c and policy_msg.c are portable and host-tested;
# policy.c is the kernel glue (lock, clock, IPC, scheduler).
KERNEL_SRCS += kernel/policy/policy.c kernel/policy/policy_core.c \
	kernel/policy/policy_msg.c

UNIT_TESTS += policy_core policy_msg
UNIT_policy_core_SRCS := tests/unit/policy_core_test.c \
	kernel/policy/policy_core.c kernel/policy/policy_msg.c
UNIT_policy_msg_SRCS := tests/unit/policy_msg_test.c \
	kernel/policy/policy_msg.c
