/**
 * What the settings page shows for one data source kind. Each kind's file declares its own
 * connection section and its own words for the shared sections (auth, TLS, queries), so no
 * kind shows another's fields or tooltips.
 */
import type { ComponentType } from 'react';

import type { SettingsProps } from './fields';

export interface KindForm {
  /** The kind's name in the Kind select (short: the closed select shows it whole). */
  label: string;
  /** Fields that say where the broker or store is and what to read there. */
  Connection: ComponentType<{ settings: SettingsProps }>;
  auth: {
    userTooltip: string;
    passwordLabel: string;
    passwordTooltip: string;
    /** Kafka: the SASL mechanism the user and password are sent with. */
    sasl?: boolean;
  };
  tls: {
    /** A "Require TLS" switch (kinds whose URL cannot say so by itself). */
    requireSwitch: boolean;
    /** When the connection uses TLS, in this kind's terms. */
    when: string;
  };
  /** The kind discovers queues by name and honours a discovery glob. */
  discoveryPattern: boolean;
}
