/**
 * What every section of the config editor shares: the settings props, one way to write a
 * jsonData key or a secret, and the few field shapes the sections are made of (a text, a
 * number with its unit, a switch), so each section lists only its own fields and words.
 */
import React, { type ChangeEvent } from 'react';
import type { DataSourcePluginOptionsEditorProps } from '@grafana/data';
import { InlineField, InlineSwitch, Input } from '@grafana/ui';

import type { JobscopeOptions, JobscopeSecureSettings } from '../../types';

export type SettingsProps = DataSourcePluginOptionsEditorProps<JobscopeOptions, JobscopeSecureSettings>;

/** Label column in grid units of 8 px: "Celery visibility timeout", the longest label, fits. */
export const LABEL_WIDTH = 26;
/** Input width in grid units of 8 px. */
export const INPUT_WIDTH = 44;

type TextKey = {
  [K in keyof JobscopeOptions]-?: NonNullable<JobscopeOptions[K]> extends string ? K : never;
}[keyof JobscopeOptions];
type NumberKey = {
  [K in keyof JobscopeOptions]-?: NonNullable<JobscopeOptions[K]> extends number ? K : never;
}[keyof JobscopeOptions];
type BooleanKey = {
  [K in keyof JobscopeOptions]-?: NonNullable<JobscopeOptions[K]> extends boolean ? K : never;
}[keyof JobscopeOptions];

/** Writes jsonData keys (several at once when they belong together) and keeps the rest. */
export function setJson({ options, onOptionsChange }: SettingsProps, patch: Partial<JobscopeOptions>) {
  onOptionsChange({ ...options, jsonData: { ...options.jsonData, ...patch } });
}

/** What a secret field shows: "configured" for a saved value (never sent back), what was typed in this session. */
export function secretProps(props: SettingsProps, key: keyof JobscopeSecureSettings) {
  const { options, onOptionsChange } = props;
  const typed: JobscopeSecureSettings = options.secureJsonData ?? {};
  return {
    isConfigured: Boolean(options.secureJsonFields?.[key]),
    value: typed[key] ?? '',
    onReset: () =>
      onOptionsChange({
        ...options,
        secureJsonFields: { ...options.secureJsonFields, [key]: false },
        secureJsonData: { ...typed, [key]: '' },
      }),
    onChange: (event: React.FormEvent<HTMLInputElement | HTMLTextAreaElement>) =>
      onOptionsChange({ ...options, secureJsonData: { ...typed, [key]: event.currentTarget.value } }),
  };
}

interface FieldProps {
  settings: SettingsProps;
  /** Element id; the label points at it. */
  id: string;
  label: string;
  tooltip?: string;
  required?: boolean;
}

export function TextSetting({
  settings,
  id,
  label,
  tooltip,
  required,
  name,
  placeholder,
}: FieldProps & { name: TextKey; placeholder?: string }) {
  return (
    <InlineField label={label} labelWidth={LABEL_WIDTH} tooltip={tooltip} required={required} htmlFor={id}>
      <Input
        id={id}
        width={INPUT_WIDTH}
        value={(settings.options.jsonData[name] as string | undefined) ?? ''}
        placeholder={placeholder}
        onChange={(event: ChangeEvent<HTMLInputElement>) => setJson(settings, { [name]: event.currentTarget.value })}
      />
    </InlineField>
  );
}

/** A whole number; empty means the default (shown as the placeholder). */
export function NumberSetting({
  settings,
  id,
  label,
  tooltip,
  name,
  placeholder,
  unit,
  min = 0,
}: FieldProps & { name: NumberKey; placeholder?: string; unit?: string; min?: number }) {
  return (
    <InlineField label={label} labelWidth={LABEL_WIDTH} tooltip={tooltip} htmlFor={id}>
      <Input
        id={id}
        type="number"
        min={min}
        width={INPUT_WIDTH}
        value={settings.options.jsonData[name] ?? ''}
        placeholder={placeholder}
        suffix={unit}
        onChange={(event: ChangeEvent<HTMLInputElement>) => {
          const raw = event.currentTarget.value.trim();
          const parsed = Number(raw);
          setJson(settings, {
            [name]: raw === '' || !Number.isFinite(parsed) ? undefined : Math.max(0, Math.floor(parsed)),
          });
        }}
      />
    </InlineField>
  );
}

export function SwitchSetting({ settings, id, label, tooltip, name }: FieldProps & { name: BooleanKey }) {
  return (
    <InlineField label={label} labelWidth={LABEL_WIDTH} tooltip={tooltip} htmlFor={id}>
      <InlineSwitch
        id={id}
        value={Boolean(settings.options.jsonData[name])}
        onChange={(event: React.FormEvent<HTMLInputElement>) =>
          setJson(settings, { [name]: event.currentTarget.checked })
        }
      />
    </InlineField>
  );
}
