export interface Config {
  /** Event Orchestration for Backstage. */
  eventOrchestration?: {
    sources?: {
      /** Webhook sources, each served at `POST /api/event-orchestration/webhooks/<name>`. */
      webhooks?: Array<{
        /** The `:source` part of the URL. */
        name: string;
        /** How the body is read. Supported: `alertmanager`. */
        type: 'alertmanager';
        auth: {
          /**
           * Senders must present `Authorization: Bearer <token>`.
           * @visibility secret
           */
          bearerToken: string;
        };
        /**
         * Labels that name what an alert concerns, first present wins; becomes the
         * event's `subject`. Default: app, service, application, name.
         */
        subjectLabels?: string[];
      }>;
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
