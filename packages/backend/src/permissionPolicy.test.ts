import fs from 'node:fs';
import path from 'node:path';
import { Entity } from '@backstage/catalog-model';
import { permissionRules } from '@backstage/plugin-catalog-backend/alpha';
import {
  catalogEntityDeletePermission,
  catalogEntityReadPermission,
  catalogEntityCreatePermission,
  catalogLocationCreatePermission,
} from '@backstage/plugin-catalog-common/alpha';
import {
  AuthorizeResult,
  Permission,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import {
  createConditionAuthorizer,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';
import {
  actionRunPermission,
  adminPermission,
  deadLetterRedrivePermission,
  entityEventPublishPermission,
  entityRunApprovePermission,
  entityRunManagePermission,
  eventPublishPermission,
  runApprovePermission,
  runManagePermission,
  sensorTestPermission,
} from '@edo/plugin-event-orchestration-common';
import { mockCredentials } from '@backstage/backend-test-utils';
import { parseAllDocuments } from 'yaml';
import { ExamplePermissionPolicy } from './permissionPolicy';

const repoRoot = path.resolve(__dirname, '../../..');

/** The example's entities as the catalog stores them: `spec.owner` becomes an ownedBy relation. */
function exampleEntities(): Entity[] {
  return ['catalog/entities.yaml', 'catalog/org.yaml'].flatMap(file =>
    parseAllDocuments(fs.readFileSync(path.join(repoRoot, file), 'utf8'))
      .map(doc => doc.toJSON() as Entity)
      .map(e => ({
        ...e,
        relations: e.spec?.owner
          ? [{ type: 'ownedBy', targetRef: String(e.spec.owner) }]
          : [],
      })),
  );
}

function entity(kind: string, name: string): Entity {
  const found = exampleEntities().find(
    e => e.kind === kind && e.metadata.name === name,
  );
  if (!found) throw new Error(`catalog/ has no ${kind} ${name}`);
  return found;
}

/** Users as the sign-in resolvers make them (`signInWithCatalogUser` with the memberships of catalog/org.yaml). */
function userOf(userName: string): PolicyQueryUser {
  const user = entity('User', userName);
  const groups = ((user.spec?.memberOf as string[]) ?? []).map(
    g => `group:default/${g}`,
  );
  const ownershipEntityRefs = [`user:default/${userName}`, ...groups];
  return asUser(`user:default/${userName}`, ownershipEntityRefs);
}

/** What each user's token says they own: the user info service answers from it. */
const tokens = new Map<string, string[]>();

/** A user's query as the permission backend passes it: the credentials, whose info the policy looks up. */
function asUser(
  userEntityRef: string,
  ownershipEntityRefs: string[],
): PolicyQueryUser {
  tokens.set(userEntityRef, ownershipEntityRefs);
  return {
    credentials: mockCredentials.user(userEntityRef),
    info: { userEntityRef, ownershipEntityRefs },
  };
}

const policy = new ExamplePermissionPolicy({
  getUserInfo: async credentials => {
    const userEntityRef = (credentials.principal as { userEntityRef: string })
      .userEntityRef;
    return {
      userEntityRef,
      ownershipEntityRefs: tokens.get(userEntityRef) ?? [userEntityRef],
    };
  },
});
const appliesToEntity = createConditionAuthorizer(
  Object.values(permissionRules),
);

/** What the policy answers, applied to `resource` as the catalog would for a conditional decision. */
async function decide(
  permission: Permission,
  user: PolicyQueryUser,
  resource?: Entity,
): Promise<'ALLOW' | 'DENY'> {
  const decision: PolicyDecision = await policy.handle({ permission }, user);
  if (decision.result === AuthorizeResult.CONDITIONAL) {
    if (!resource) throw new Error(`${permission.name} is conditional`);
    return appliesToEntity(decision, resource) ? 'ALLOW' : 'DENY';
  }
  return decision.result === AuthorizeResult.ALLOW ? 'ALLOW' : 'DENY';
}

const entityScoped = [
  entityEventPublishPermission,
  entityRunManagePermission,
  entityRunApprovePermission,
];

describe('the example permission policy', () => {
  const guest = userOf('guest');
  const alice = userOf('alice');
  const myAwesomeApp = entity('Component', 'my-awesome-app');

  it('lets guest, a member of platform-team, do everything', async () => {
    for (const permission of [...entityScoped, adminPermission]) {
      expect(await decide(permission, guest)).toBe('ALLOW');
    }
    expect(await decide(catalogLocationCreatePermission, guest)).toBe('ALLOW');
  });

  it("refuses alice, who owns nothing, every action on platform-team's my-awesome-app and the admin permission", async () => {
    expect(myAwesomeApp.spec?.owner).toBe('group:default/platform-team');
    for (const permission of entityScoped) {
      expect(await decide(permission, alice, myAwesomeApp)).toBe('DENY');
    }
    expect(await decide(adminPermission, alice)).toBe('DENY');
    expect(
      await decide(catalogEntityDeletePermission, alice, myAwesomeApp),
    ).toBe('DENY');
  });

  it('leaves registering catalog entities to platform-team: a registered entity can claim an event subject and read its events', async () => {
    expect(await decide(catalogLocationCreatePermission, alice)).toBe('DENY');
    expect(await decide(catalogEntityCreatePermission, alice)).toBe('DENY');
    expect(await decide(catalogEntityCreatePermission, guest)).toBe('ALLOW');
  });

  it('lets an owner who is not in platform-team act on their own entity only', async () => {
    const payments = asUser('user:default/bob', [
      'user:default/bob',
      'group:default/payments',
    ]);
    const theirs: Entity = {
      ...myAwesomeApp,
      metadata: { name: 'payments' },
      spec: { ...myAwesomeApp.spec, owner: 'group:default/payments' },
      relations: [{ type: 'ownedBy', targetRef: 'group:default/payments' }],
    };
    for (const permission of entityScoped) {
      expect(await decide(permission, payments, theirs)).toBe('ALLOW');
      expect(await decide(permission, payments, myAwesomeApp)).toBe('DENY');
    }
    expect(await decide(adminPermission, payments)).toBe('DENY');
  });

  it('lets everyone signed in read the catalog and use the global event-orchestration permissions', async () => {
    expect(await decide(catalogEntityReadPermission, alice, myAwesomeApp)).toBe(
      'ALLOW',
    );
    for (const permission of [
      eventPublishPermission,
      runManagePermission,
      runApprovePermission,
      deadLetterRedrivePermission,
      sensorTestPermission,
    ]) {
      expect(await decide(permission, alice)).toBe('ALLOW');
    }
  });

  it('lets others run by hand only the actions that read or tell someone', async () => {
    const decision = await policy.handle(
      { permission: actionRunPermission },
      alice,
    );
    expect(decision).toEqual({
      result: AuthorizeResult.CONDITIONAL,
      pluginId: 'event-orchestration',
      resourceType: 'event-orchestration-action',
      conditions: {
        rule: 'IS_ACTION',
        resourceType: 'event-orchestration-action',
        params: { ids: ['log', 'argocd:get-status', 'notification:send'] },
      },
    });
    expect(
      await policy.handle({ permission: actionRunPermission }, guest),
    ).toEqual({ result: AuthorizeResult.ALLOW });
  });
});
