import {
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';

/**
 * The user-info service of a test backend that says who is in which group,
 * as a real sign-in resolver puts it in the user's token (the test backend's
 * mock says every user owns only themselves).
 */
export function userInfoByTable(groupsOf: Record<string, string[]>) {
  return createServiceFactory({
    service: coreServices.userInfo,
    deps: {},
    factory: () => ({
      async getUserInfo(credentials) {
        const ref = (credentials.principal as { userEntityRef: string })
          .userEntityRef;
        return {
          userEntityRef: ref,
          ownershipEntityRefs: [ref, ...(groupsOf[ref] ?? [])],
        };
      },
    }),
  });
}
