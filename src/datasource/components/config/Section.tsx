import React, { type ReactNode, useId } from 'react';
import { Stack, Text } from '@grafana/ui';

/** One concern of the settings page: a heading, an optional line saying what it is for, its fields. */
export function Section({
  title,
  description,
  children,
}: {
  title: string;
  description?: ReactNode;
  children: ReactNode;
}) {
  const id = useId();
  return (
    <section aria-labelledby={id}>
      <Stack direction="column" gap={1}>
        <Text element="h3" id={id}>
          {title}
        </Text>
        {description && (
          <Text element="p" color="secondary" variant="bodySmall">
            {description}
          </Text>
        )}
        {children}
      </Stack>
    </section>
  );
}
