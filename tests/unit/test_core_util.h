/* SPDX-License-Identifier: MIT */
/*
 * Shared set-up of the core tests: one mock IOMMU, guest A (id 1, devices with RIDs 0x10...)
 * and guest B (id 2, two devices with RIDs 0x20...). Both guests are destroyed by
 * core_env_fini(), so every test starts from the same global state.
 */
#ifndef TESTS_UNIT_TEST_CORE_UTIL_H
#define TESTS_UNIT_TEST_CORE_UTIL_H

#include "tests/host/harness.h"

struct core_env {
	struct mock_iommu mock;
	struct h_guest a, b;
};

static inline int core_env_init_caps(struct core_env *env, unsigned ndev, uint64_t quota,
				     const struct ioasid_dev_caps *caps)
{
	int ret;

	mock_iommu_init(&env->mock, "mock0", caps);
	ret = h_guest_setup(&env->a, 1, &env->mock, ndev, 0x10, quota);
	if (ret == 0) {
		ret = h_guest_setup(&env->b, 2, &env->mock, 2, 0x20, quota);
	}
	return ret;
}

static inline int core_env_init(struct core_env *env, unsigned ndev, uint64_t quota)
{
	struct ioasid_dev_caps caps = h_default_caps();

	return core_env_init_caps(env, ndev, quota, &caps);
}

static inline void core_env_fini(struct core_env *env)
{
	h_guest_teardown(&env->a);
	h_guest_teardown(&env->b);
}

#define CORE_ENV_QUOTA(env, ndev, quota)                                                                               \
	struct core_env env;                                                                                           \
	ASSERT_EQ(core_env_init(&env, (ndev), (quota)), 0)
#define CORE_ENV(env, ndev) CORE_ENV_QUOTA(env, ndev, 512)

#endif /* TESTS_UNIT_TEST_CORE_UTIL_H */
