import {
  BackstageIdentityApi,
  BackstageIdentityResponse,
  createApiRef,
  DiscoveryApi,
  ProfileInfo,
  ProfileInfoApi,
  SessionApi,
  SessionState,
} from '@backstage/frontend-plugin-api';
import { Observable } from '@backstage/types';

/** The backend's proxy provider for the example's second user (packages/backend/src/exampleUserAuth.ts). */
export const EXAMPLE_USER_PROVIDER_ID = 'example-user';

/** Signs in as the example's second user, `auth.providers.example-user.userEntityRef`. */
export const exampleUserAuthApiRef = createApiRef<
  ProfileInfoApi & BackstageIdentityApi & SessionApi
>({ id: 'app.auth.example-user' });

type Session = {
  profile: ProfileInfo;
  backstageIdentity: BackstageIdentityResponse & { expiresInSeconds?: number };
};

/**
 * The browser side of a proxy auth provider, as core-components does it for
 * the guest provider: `GET /api/auth/<provider>/refresh` answers with a
 * Backstage token for the configured user; it is asked again shortly before
 * the token expires.
 */
export class ExampleUserAuth
  implements ProfileInfoApi, BackstageIdentityApi, SessionApi
{
  private session?: { value: Session; renewAt: number };
  private readonly listeners = new Set<(state: SessionState) => void>();

  constructor(private readonly discoveryApi: DiscoveryApi) {}

  async getBackstageIdentity(): Promise<BackstageIdentityResponse> {
    return (await this.current()).backstageIdentity;
  }

  async getProfile(): Promise<ProfileInfo> {
    return (await this.current()).profile;
  }

  async signIn(): Promise<void> {
    await this.current();
  }

  async signOut(): Promise<void> {
    this.session = undefined;
    this.listeners.forEach(listener => listener(SessionState.SignedOut));
  }

  sessionState$(): Observable<SessionState> {
    const listeners = this.listeners;
    const state = () =>
      this.session ? SessionState.SignedIn : SessionState.SignedOut;
    const observable: Observable<SessionState> = {
      [Symbol.observable]: () => observable,
      subscribe(next?: ((value: SessionState) => void) | { next?: any }): any {
        const onNext =
          typeof next === 'function' ? next : next?.next?.bind(next);
        if (!onNext) return { unsubscribe() {}, closed: true };
        onNext(state());
        listeners.add(onNext);
        return {
          unsubscribe: () => listeners.delete(onNext),
          get closed() {
            return !listeners.has(onNext);
          },
        };
      },
    };
    return observable;
  }

  private async current(): Promise<Session> {
    if (this.session && Date.now() < this.session.renewAt) {
      return this.session.value;
    }
    const base = await this.discoveryApi.getBaseUrl('auth');
    const response = await fetch(
      `${base}/${EXAMPLE_USER_PROVIDER_ID}/refresh`,
      { headers: { 'x-requested-with': 'XMLHttpRequest' } },
    );
    if (!response.ok) {
      throw new Error(
        `Signing in as the example user failed: ${
          response.status
        } ${await response.text()}`,
      );
    }
    const value = (await response.json()) as Session;
    const lifetime = (value.backstageIdentity.expiresInSeconds ?? 3600) * 1000;
    // Renew a minute before expiry (or halfway for short-lived tokens).
    this.session = {
      value,
      renewAt: Date.now() + Math.max(lifetime - 60_000, lifetime / 2),
    };
    this.listeners.forEach(listener => listener(SessionState.SignedIn));
    return value;
  }
}
