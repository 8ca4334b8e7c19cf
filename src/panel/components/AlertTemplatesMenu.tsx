import React, { useEffect, useMemo, useRef, useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2, PanelData } from '@grafana/data';
import { config, getDataSourceSrv } from '@grafana/runtime';
import {
  ClipboardButton,
  Dropdown,
  IconButton,
  LinkButton,
  Menu,
  Modal,
  TextArea,
  useStyles2,
  Button,
} from '@grafana/ui';

import {
  ALERT_TEMPLATES,
  DATASOURCE_TYPE,
  DEFAULT_PARAMS,
  alertFormUrl,
  buildRule,
  provisioningYaml,
  type ProvisionedRule,
} from '../alert-templates';
import { templatesFor } from '../template-fit';

export { DATASOURCE_TYPE };

/**
 * The uid of the Jobscope data source behind the panel: the first Jobscope query of the panel's
 * request (variables such as `${ds}` resolved), else a uid the frames carry in their meta, else
 * the only Jobscope data source Grafana knows.
 */
export function panelDatasourceUid(
  data: PanelData,
  replaceVariables: (s: string) => string = (s) => s
): string | undefined {
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

export interface AlertTemplatesMenuProps {
  datasourceUid?: string;
  /** One queue (or glob); empty or absent means every queue. */
  queue?: string;
  /** Systems shown: only the templates that fit one of them are offered. */
  systems?: readonly string[];
  /**
   * In a toolbar (the job list's header, beside its close button) rather than in the band
   * above the diagram.
   */
  inline?: boolean;
  /** The menu's tallest (the panel's height): it scrolls inside beyond that. */
  maxHeight?: number;
}

interface Shown {
  title: string;
  rules: ProvisionedRule[];
}

/**
 * A bell listing the ready-made alert rules that fit the shown systems; each opens a modal
 * with the rule's provisioning YAML, a Copy button and a link to Grafana's new-rule form.
 * The menu scrolls inside the panel's height; the modal takes the focus and gives it back to
 * the bell.
 */
export function AlertTemplatesMenu({
  datasourceUid,
  queue,
  systems = [],
  inline = false,
  maxHeight,
}: AlertTemplatesMenuProps) {
  const styles = useStyles2(getStyles);
  // Dropdown puts its own ref on the bell: find it through the wrapper.
  const wrapper = useRef<HTMLDivElement>(null);
  const [shown, setShown] = useState<Shown | undefined>();
  const scope = queue ? `queue ${queue}` : 'all queues';
  const templates = useMemo(() => templatesFor(ALERT_TEMPLATES, systems), [systems]);
  const rules = useMemo(
    () =>
      datasourceUid
        ? templates.map((t) => ({ id: t.id, rule: buildRule(t, { datasourceUid, queue: queue || undefined }) }))
        : [],
    [datasourceUid, queue, templates]
  );
  const yaml = useMemo(() => (shown ? provisioningYaml(shown.rules) : ''), [shown]);
  const yamlArea = useRef<HTMLTextAreaElement>(null);
  // Into the modal once the menu has closed (the closing menu hands the focus back to the bell first).
  useEffect(() => {
    if (!shown) {
      return;
    }
    const t = window.setTimeout(() => yamlArea.current?.focus(), 0);
    return () => window.clearTimeout(t);
  }, [shown]);
  const closeModal = () => {
    setShown(undefined);
    // After the modal's own focus scope has restored what it saved (the menu item, gone by now).
    window.setTimeout(
      () =>
        window.requestAnimationFrame(() =>
          wrapper.current?.querySelector<HTMLButtonElement>('button[aria-label^="Alert rule templates"]')?.focus()
        ),
      0
    );
  };

  const menu = (
    <div className={styles.menu} style={maxHeight ? { maxHeight } : undefined} data-testid="jobscope-alert-menu">
      <Menu header={`Alert rules for ${scope}`}>
        {!datasourceUid && <Menu.Item label="No Jobscope data source in this panel's queries" disabled />}
        {rules.map(({ id, rule }) => (
          <Menu.Item
            key={id}
            label={templates.find((t) => t.id === id)!.title(DEFAULT_PARAMS)}
            icon="bell"
            onClick={() => setShown({ title: rule.title, rules: [rule] })}
            testId={`jobscope-alert-${id}`}
          />
        ))}
        {rules.length > 1 && (
          <>
            <Menu.Divider />
            <Menu.Item
              label="All these rules as YAML"
              icon="file-alt"
              onClick={() => setShown({ title: `Alert rules for ${scope}`, rules: rules.map((r) => r.rule) })}
              testId="jobscope-alert-all"
            />
          </>
        )}
      </Menu>
    </div>
  );

  return (
    <div ref={wrapper} className={inline ? styles.inline : styles.corner} data-testid="jobscope-alert-templates">
      <Dropdown overlay={menu} placement="bottom-end">
        <IconButton name="bell" size="sm" tooltip={`Alert rule templates for ${scope}`} />
      </Dropdown>
      {shown && (
        <Modal title={shown.title} isOpen onDismiss={closeModal} className={styles.modal}>
          <p className={styles.help}>
            Provisioning YAML: put it in <code>provisioning/alerting/</code> and restart Grafana, or create the rule in
            the form.
          </p>
          <TextArea
            aria-label="Provisioning YAML"
            data-testid="jobscope-alert-yaml"
            readOnly
            rows={14}
            value={yaml}
            className={styles.yaml}
            ref={yamlArea}
          />
          <Modal.ButtonRow>
            <Button variant="secondary" fill="outline" onClick={closeModal}>
              Close
            </Button>
            {shown.rules.length === 1 && (
              <LinkButton variant="secondary" icon="bell" href={alertFormUrl(shown.rules[0], config.appSubUrl ?? '')}>
                Create alert rule
              </LinkButton>
            )}
            <ClipboardButton variant="primary" icon="copy" getText={() => yaml} data-testid="jobscope-alert-copy">
              Copy YAML
            </ClipboardButton>
          </Modal.ButtonRow>
        </Modal>
      )}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  corner: css({ display: 'flex', alignItems: 'center', gap: theme.spacing(0.5) }),
  inline: css({ display: 'flex', alignItems: 'center', gap: theme.spacing(0.5), minWidth: 0 }),
  // The menu scrolls inside what the window leaves below the bell, never taller than needed.
  menu: css({
    maxHeight: 'min(420px, calc(100vh - 64px))',
    overflowY: 'auto',
    borderRadius: theme.shape.radius.default,
  }),
  modal: css({ width: 'min(760px, 96vw)' }),
  help: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
  yaml: css({
    fontFamily: theme.typography.fontFamilyMonospace,
    fontSize: theme.typography.bodySmall.fontSize,
    whiteSpace: 'pre',
  }),
});
