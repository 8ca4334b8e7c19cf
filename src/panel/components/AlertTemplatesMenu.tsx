import React, { useMemo, useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2, PanelData } from '@grafana/data';
import { config, getDataSourceSrv } from '@grafana/runtime';
import { Button, Dropdown, IconButton, Menu, Modal, TextArea, useStyles2 } from '@grafana/ui';

import {
  ALERT_TEMPLATES,
  DATASOURCE_TYPE,
  DEFAULT_PARAMS,
  alertFormUrl,
  buildRule,
  buildRules,
  provisioningYaml,
  type ProvisionedRule,
} from '../alert-templates';

export { DATASOURCE_TYPE };

/**
 * The uid of the Jobscope data source behind the panel: the first Jobscope query of the panel's
 * request (variables such as `${ds}` resolved), else a uid the frames carry in their meta, else
 * the only Jobscope data source Grafana knows.
 */
export function panelDatasourceUid(data: PanelData, replaceVariables: (s: string) => string = (s) => s): string | undefined {
  const targets = data.request?.targets ?? [];
  const target = targets.find((t) => t.datasource?.type === DATASOURCE_TYPE) ?? targets[0];
  const fromTarget = target?.datasource?.uid ? replaceVariables(target.datasource.uid) : undefined;
  if (fromTarget && !fromTarget.startsWith('$') && fromTarget !== '-- Mixed --') {
    return fromTarget;
  }
  for (const frame of data.series) {
    const custom = frame.meta?.custom as { datasourceUid?: unknown } | undefined;
    if (typeof custom?.datasourceUid === 'string' && custom.datasourceUid) {
      return custom.datasourceUid;
    }
  }
  try {
    const list = getDataSourceSrv().getList({ type: DATASOURCE_TYPE });
    return list.length === 1 ? list[0].uid : undefined;
  } catch {
    return undefined; // no data source service (outside Grafana)
  }
}

/** Copies text with the async clipboard API; false when the browser refuses (http, permissions). */
export async function copyText(text: string): Promise<boolean> {
  try {
    if (typeof navigator !== 'undefined' && navigator.clipboard?.writeText) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // fall through to the manual copy
  }
  return false;
}

export interface AlertTemplatesMenuProps {
  datasourceUid?: string;
  /** One queue (or glob); empty or absent means every queue. */
  queue?: string;
  /**
   * In a toolbar (the job list's header, beside its close button) rather than floating over
   * the panel's top-right corner, where it would cover the header's own controls.
   */
  inline?: boolean;
}

/** A bell in the panel's corner listing the ready-made alert rules for the shown queue(s). */
export function AlertTemplatesMenu({ datasourceUid, queue, inline = false }: AlertTemplatesMenuProps) {
  const styles = useStyles2(getStyles);
  const [status, setStatus] = useState<string>('');
  const [manualCopy, setManualCopy] = useState<string | undefined>();
  const scope = queue ? `queue ${queue}` : 'all queues';

  const rules = useMemo(
    () =>
      datasourceUid
        ? ALERT_TEMPLATES.map((t) => ({ id: t.id, rule: buildRule(t, { datasourceUid, queue: queue || undefined }) }))
        : [],
    [datasourceUid, queue]
  );

  const copy = async (selected: ProvisionedRule[], what: string) => {
    const yaml = provisioningYaml(selected);
    if (await copyText(yaml)) {
      setStatus(`Copied ${what} as provisioning YAML`);
      window.setTimeout(() => setStatus(''), 3000);
    } else {
      setManualCopy(yaml);
    }
  };

  const menu = (
    <Menu header={`Alert rules for ${scope}`}>
      {!datasourceUid && <Menu.Item label="No Jobscope data source in this panel's queries" disabled />}
      {rules.map(({ id, rule }) => (
        <Menu.Group key={id} label={ALERT_TEMPLATES.find((t) => t.id === id)!.title(DEFAULT_PARAMS)}>
          <Menu.Item
            label="Create alert rule"
            icon="bell"
            url={alertFormUrl(rule, config.appSubUrl ?? '')}
            testId={`jobscope-alert-create-${id}`}
          />
          <Menu.Item
            label="Copy provisioning YAML"
            icon="copy"
            onClick={() => copy([rule], rule.title)}
            testId={`jobscope-alert-copy-${id}`}
          />
        </Menu.Group>
      ))}
      {datasourceUid && (
        <>
          <Menu.Divider />
          <Menu.Item
            label="Copy all rules as provisioning YAML"
            icon="copy"
            onClick={() => copy(buildRules({ datasourceUid, queue: queue || undefined }), 'all rules')}
            testId="jobscope-alert-copy-all"
          />
        </>
      )}
    </Menu>
  );

  return (
    <div className={inline ? styles.inline : styles.corner} data-testid="jobscope-alert-templates">
      {status && (
        <span role="status" className={styles.status}>
          {status}
        </span>
      )}
      <Dropdown overlay={menu} placement="bottom-end">
        <IconButton name="bell" size="sm" tooltip={`Alert rule templates for ${scope}`} />
      </Dropdown>
      {manualCopy !== undefined && (
        <Modal title="Provisioning YAML" isOpen onDismiss={() => setManualCopy(undefined)}>
          <p>The browser did not allow copying: select the text and copy it.</p>
          <TextArea
            aria-label="Provisioning YAML text"
            readOnly
            rows={16}
            value={manualCopy}
            className={styles.yaml}
            onFocus={(e) => e.currentTarget.select()}
            autoFocus
          />
          <Modal.ButtonRow>
            <Button variant="secondary" onClick={() => setManualCopy(undefined)}>
              Close
            </Button>
          </Modal.ButtonRow>
        </Modal>
      )}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  corner: css({
    position: 'absolute',
    top: theme.spacing(0.5),
    right: theme.spacing(0.5),
    zIndex: 1,
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(0.5),
  }),
  inline: css({ display: 'flex', alignItems: 'center', gap: theme.spacing(0.5), minWidth: 0 }),
  status: css({
    fontSize: theme.typography.bodySmall.fontSize,
    color: theme.colors.text.secondary,
    background: theme.colors.background.primary,
    padding: theme.spacing(0, 0.5),
  }),
  yaml: css({ fontFamily: theme.typography.fontFamilyMonospace, fontSize: theme.typography.bodySmall.fontSize }),
});
