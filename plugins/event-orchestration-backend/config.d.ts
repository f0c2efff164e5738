import { HumanDuration } from '@backstage/types';

export interface Config {
  /** Event Orchestration for Backstage. */
  eventOrchestration?: {
    sources?: {
      /** Topics of Backstage's EventsService (e.g. `github` from events-backend-module-github). */
      backstageEvents?: Array<{
        topic: string;
        /** Default `backstage.<topic>`; for `github`, `github.<X-GitHub-Event>`. */
        eventType?: string;
      }>;
      /**
       * NATS subjects whose JSON messages become events (needs bus.nats); captured
       * in a JetStream stream of their own, so nothing sent while the backends
       * are down is lost.
       */
      natsSubjects?: Array<{
        name: string;
        /** e.g. ci.images */
        subject: string;
        /** e.g. ci.image.pushed */
        eventType: string;
        /** Path in the message of the event's subject, e.g. image. */
        subjectPath?: string;
        /** Path of an id; default the Nats-Msg-Id header, else a hash of the message. */
        idPath?: string;
      }>;
      /**
       * Kubernetes clusters whose core Events (`kubernetes.event`) and, optionally,
       * resources of other kinds (`kubernetes.resource`) become events.
       */
      kubernetes?: Array<{
        /** Names the cluster in event ids and `data.cluster`. */
        name: string;
        /** API server URL, e.g. https://k8s.example.com:6443 */
        url: string;
        /**
         * Bearer token of a service account that may list and watch what is configured.
         * @visibility secret
         */
        serviceAccountToken?: string;
        /** Base64 PEM of the API server's CA. */
        caData?: string;
        /** Skip TLS verification (needed for http:// URLs). */
        skipTLSVerify?: boolean;
        /** Only this namespace; default all. */
        namespace?: string;
        /** Watch core Events; default true. */
        events?: boolean;
        /** Other resources to watch, e.g. {apiVersion: apps/v1, kind: Deployment, labelSelector: team=payments}. */
        resources?: Array<{
          apiVersion: string;
          kind: string;
          labelSelector?: string;
        }>;
      }>;
      /** Webhook sources, each served at `POST /api/event-orchestration/webhooks/<name>`. */
      webhooks?: Array<{
        /** The `:source` part of the URL. */
        name: string;
        /**
         * How the body is read: `alertmanager` (v4 payload), `generic` (any JSON),
         * `github`, `slack` (form-encoded slash commands and interactivity; docs/sources.md).
         */
        type: 'alertmanager' | 'generic' | 'github' | 'slack';
        /** Exactly one of bearerToken or hmac; `github` needs hmac; `slack` needs slack. */
        auth: {
          /** Type slack only: exactly one of signingSecret or verificationToken. */
          slack?: {
            /**
             * The Slack app's signing secret: requests must carry a valid
             * `X-Slack-Signature` over `v0:<X-Slack-Request-Timestamp>:<body>`,
             * timestamped within 5 minutes.
             * @visibility secret
             */
            signingSecret?: string;
            /**
             * Mattermost's Slack-compatible slash commands: the command's token,
             * which Mattermost sends as the form field `token`.
             * @visibility secret
             */
            verificationToken?: string;
          };
          /**
           * Senders must present `Authorization: Bearer <token>`.
           * @visibility secret
           */
          bearerToken?: string;
          /** The body is signed with HMAC; the header carries the hex digest, optionally `sha256=`-prefixed. */
          hmac?: {
            /** @visibility secret */
            secret: string;
            /** Default: `X-Hub-Signature-256` for github, `X-Signature` otherwise. */
            header?: string;
            /** Default sha256. */
            algorithm?: 'sha1' | 'sha256' | 'sha512';
            /**
             * Replay protection: the header with the Unix time the sender signed
             * (`<timestamp>.<body>` is then what is signed); older or newer than
             * `toleranceSeconds` (default 300) gets 401.
             */
            timestampHeader?: string;
            toleranceSeconds?: number;
          };
        };
        /** Largest accepted body in bytes (default 1 MiB); larger ones get 413. */
        maxBodyBytes?: number;
        /**
         * Authenticated requests this source may send to one backend process:
         * `max` per `per` (a duration such as 1m); more get 429 with Retry-After.
         */
        rateLimit?: { max: number; per: string };
        /**
         * alertmanager: labels that name what an alert concerns, first present wins;
         * becomes the event's `subject`. Default: app, service, application, name.
         */
        subjectLabels?: string[];
        /** generic: the type of the events, e.g. `ci.image.pushed`. */
        eventType?: string;
        /** generic: path in the body of the event's subject, e.g. `image`. */
        subjectPath?: string;
        /** generic: path in the body of a sender-chosen id; default: a hash of the body. */
        idPath?: string;
        /**
         * generic, batched senders: path in the body of an array whose items each
         * become one event (`$`: the body is the array); `subjectPath` and `idPath`
         * are then read in each item. Unset: the body is one event.
         */
        itemsPath?: string;
        /** generic with itemsPath: most items per request (default 1000); more get 413. */
        maxItems?: number;
      }>;
    };
    actions?: {
      http?: {
        /**
         * Host names http:request may call (`hooks.slack.com`, `*.example.com`:
         * subdomains only; case and a trailing dot do not matter). Unset: any
         * name. Either way the addresses a name resolves to must pass the
         * address check below.
         */
        allowedHosts?: string[];
        /**
         * Address ranges http:request may reach although they are denied by
         * default (`10.20.0.0/16`, `127.0.0.1/32`, `::1/128`, or a bare address).
         * Default: none — loopback, private, link-local, carrier-grade NAT,
         * multicast, reserved and unspecified addresses are refused, checked
         * on the resolved address of every connection. Cloud metadata
         * addresses (169.254.169.254, fd00:ec2::254) pass only when an entry
         * names exactly that address (`/32`, `/128`); `metadata.google.internal`
         * never does.
         */
        allowedCidrs?: string[];
      };
      /** Running single actions by hand (`POST /actions/:id/runs`, the scaffolder's `event-orchestration:action:run`). */
      manual?: {
        /**
         * The action ids users may run by hand; sensors may still call every
         * action. Default: `log`, `argocd:get-status`, `notification:send`.
         * List `gitops:*`, `kubernetes:*` or `http:request` only when users
         * should use the backend's credentials directly; each run also needs
         * the permission `event-orchestration.action.run` on the action.
         */
        allowed?: string[];
        /**
         * Actions whose runs by hand wait for an approval first, as a
         * sensor's approval:wait step would: the one-step run gets an
         * `approve` step (approval:wait) before its `run` step. Each entry is
         * an action id (anyone with the approve permission decides, never
         * the user who started it unless approvals.allowSelfApproval is on),
         * or an object naming the approval:wait step's approvers and timeout.
         * Default: none.
         */
        requireApproval?: Array<
          | string
          | {
              action: string;
              /** As approval:wait's `approvers`: groups and/or entityOwner. */
              approvers?: { groups?: string[]; entityOwner?: boolean };
              /** How long to wait for a decision (default 1d, at most 30d); then the run fails. */
              timeout?: string;
            }
        >;
      };
    };
    /** What users and services may publish through `POST /events` (the portal). */
    portal?: {
      /**
       * Event types `POST /events` may publish besides `portal.*`: exact types
       * (`ci.image.pushed`) or prefixes (`deploy.*`). Any other type is refused
       * with 403 naming the source that owns it. A listed type another source
       * owns stays that source's: sensors accept it from the portal only when
       * a dependency says `sources: [portal]`. Default: none.
       */
      publishableTypes?: string[];
    };
    /** Who may decide approval:wait steps (POST /runs/:id/approve). */
    approvals?: {
      /**
       * Whether the user who started a run (by hand, or through a portal event
       * that triggered it) may approve it. Default false: someone else must.
       */
      allowSelfApproval?: boolean;
    };
    /** chat:reply: where chat answers may go. */
    chat?: {
      /** Host names a response_url may name (https only); `*.domain` allowed. Default ['hooks.slack.com']. */
      allowedHosts?: string[];
      /** Address ranges chat:reply may reach although private or loopback (an on-premises Mattermost). */
      allowedCidrs?: string[];
      slack?: {
        /**
         * Bot token (xoxb-…) for chat.postMessage when a step names a channel.
         * @visibility secret
         */
        botToken?: string;
        /** Slack Web API base URL; default https://slack.com/api. */
        apiBaseUrl?: string;
      };
    };
    /** Prometheus servers for prometheus:query. */
    prometheus?: {
      instances?: Array<{
        /** Referred to by the action's `instance` input; the first is the default. */
        name: string;
        /** e.g. http://prometheus.monitoring.svc:9090 */
        baseUrl: string;
        /**
         * Bearer token, if the server wants one.
         * @visibility secret
         */
        token?: string;
      }>;
      /** Address ranges the instances may resolve to although private (an in-cluster Prometheus). */
      allowedCidrs?: string[];
    };
    /** Argo CD servers for argocd:sync and argocd:get-status. */
    argocd?: {
      instances?: Array<{
        /** Referred to by the actions' `instance` input; the first is the default. */
        name: string;
        /** e.g. https://argocd.example.com */
        baseUrl: string;
        /**
         * An Argo CD API token (account or project token).
         * @visibility secret
         */
        token: string;
      }>;
    };
    /**
     * How long stored data is kept; a scheduled task on one replica deletes
     * what is older. Durations such as 30d or 36h, or Backstage's duration
     * objects ({ days: 30 }) and ISO 8601 (P30D); each at least 1d.
     */
    retention?: {
      /** Events with their entity links and verdicts; default 30d. Events of pending or running runs stay. */
      events?: string | HumanDuration;
      /** Sensors' verdicts, also on events kept longer; default 30d. */
      evaluations?: string | HumanDuration;
      /** Finished runs with their steps, logs and approvals; default 90d. */
      runs?: string | HumanDuration;
      /** Correlation state and fires; default 30d, never less than a loaded sensor's window, cooldown or rate-limit period. */
      correlation?: string | HumanDuration;
      /** Records of dead-letter re-drives; default 90d. */
      redrives?: string | HumanDuration;
    };
    /** The event bus; without `nats` the embedded, database-backed bus is used. */
    bus?: {
      /** The embedded bus (tables in the plugin's database). */
      embedded?: {
        /**
         * How long a message stays on the bus once every subscriber is done
         * with it, e.g. 7d (default); at least 2m. Re-published ids are
         * duplicates for that long. Stored events are not affected.
         */
        maxAge?: string | HumanDuration;
      };
      /** NATS JetStream (nats-server 2.9+). */
      nats?: {
        /** e.g. [nats://127.0.0.1:4222] */
        servers: string[];
        /** Stream name; default EVENT_ORCHESTRATION. */
        stream?: string;
        /** Oldest event kept, e.g. 7d (default). */
        maxAge?: string | HumanDuration;
        /** Largest stream size in bytes; default unlimited. */
        maxBytes?: number;
        /** Window in which re-published ids are dropped, e.g. 2m (default). */
        duplicateWindow?: string | HumanDuration;
        /** Deliveries before an event is dead-lettered; default 5. */
        maxDeliver?: number;
        /** One way to authenticate: token, user + pass, nkeySeed or credsFile. */
        /** @visibility secret */
        token?: string;
        user?: string;
        /** @visibility secret */
        pass?: string;
        /**
         * An nkey user's seed (`SU…`), for servers with `authorization { users: [{nkey: U…}] }`.
         * @visibility secret
         */
        nkeySeed?: string;
        /** Path of a `.creds` file (user JWT + seed, as `nsc` writes it) for operator-mode servers. */
        credsFile?: string;
        /** TLS; nats.js upgrades to TLS whenever the server asks for it. */
        tls?: {
          /** CA bundle (PEM) that signed the server's certificate; default the system's. */
          caFile?: string;
          /** Client certificate (PEM), for servers with `verify: true`; needs keyFile. */
          certFile?: string;
          keyFile?: string;
          /** TLS before the NATS INFO (server `handshake_first`, nats-server 2.10+). */
          handshakeFirst?: boolean;
        };
      };
    };
    /**
     * Clusters for the kubernetes:* and argo-workflows:submit actions. Without
     * it, the `config` entries of Backstage's `kubernetes.clusterLocatorMethods`.
     */
    kubernetes?: {
      clusters?: Array<{
        name: string;
        url: string;
        /** @visibility secret */
        serviceAccountToken?: string;
        caData?: string;
        skipTLSVerify?: boolean;
      }>;
    };
    /** GitOps actions (gitops:set-image, gitops:set-replicas). */
    gitops?: {
      /** Author of the commits; default "Event Orchestration <event-orchestration@backstage.local>". */
      author?: { name?: string; email?: string };
      /**
       * Transports plain git may use for a step's `repository`: any of https, ssh
       * (also `git@host:path`), http, git, file (file:// and local paths). Default
       * [https, ssh]. Repositories on an `integrations.github` host go through
       * GitHub's API and are not affected.
       */
      allowedUrlSchemes?: Array<'https' | 'ssh' | 'http' | 'git' | 'file'>;
      /**
       * Address ranges (`10.0.0.0/8`, `::1/128`) a plain-git remote's host may
       * resolve to although they are denied by default (loopback, private,
       * link-local; cloud metadata only when named exactly), as
       * `actions.http.allowedCidrs` does for http:request. Default none.
       */
      allowedCidrs?: string[];
    };
    /** Calendar schedules that emit `schedule.tick` events (one replica fires each tick). */
    schedules?: Array<{
      name: string;
      /** Five-field cron expression, e.g. `0 9 * * mon-fri`. */
      cron: string;
      /** IANA time zone of the cron expression; default UTC. */
      timezone?: string;
      /** Event type; default `schedule.tick`. */
      type?: string;
      /** Extra data put into each tick's `data`. */
      data?: object;
      /** Emit ticks missed while no backend ran (true) or skip them (false, default). */
      catchUp?: boolean;
    }>;
    /** The run engine. */
    runs?: {
      /** Runs one backend process executes at once. Default 16 on PostgreSQL, 4 on SQLite. */
      concurrency?: number;
      /**
       * Whether this backend process executes runs (default true). Runs it
       * creates (from its sensor engine or the API) are executed by the
       * replicas that do; see docs/architecture.md, "Replica roles".
       */
      enabled?: boolean;
    };
    /** The sensor engine. */
    sensorEngine?: {
      /**
       * Whether this backend process evaluates events against sensors (default
       * true). A replica with `false` still accepts and publishes events (an
       * ingest-only replica); the replicas with `true` evaluate them.
       */
      enabled?: boolean;
      /**
       * Events one backend process evaluates at once; events with the same subject
       * are still evaluated one after the other, in order. Default 8 on
       * PostgreSQL, 1 on SQLite (one writer).
       */
      concurrency?: number;
    };
    /**
     * Values step inputs may name as `${{ secrets.<name> }}` (names are CEL
     * identifiers; values at least 6 characters), usually set from the
     * environment (`slackToken: ${SLACK_TOKEN}`). Resolved when a step runs,
     * never stored: stored and shown inputs have `***` where a secret went.
     */
    secrets?: {
      /** @visibility secret */
      [name: string]: string;
    };
    /** Sensors declared inline; see docs/sensors.md for the format. */
    sensors?: Array<object>;
    /** Globs of sensor YAML files, relative to the backend's working directory. */
    sensorFiles?: string[];
    /**
     * Re-load sensor files when they change; a broken edit keeps the previous
     * version running. Default: true when NODE_ENV is development.
     */
    watchSensorFiles?: boolean;
  };
}
