// The console's Mantine theme. Mantine's defaults miss WCAG AA contrast in a few places
// (light-variant badges, dimmed text, links, white on the primary color): the shades here
// meet 4.5:1 (checked by axe-core in the end-to-end test).
import { createTheme, darken, Modal, Notification, type CSSVariablesResolver } from '@mantine/core';

export const theme = createTheme({
  primaryColor: 'indigo',
  primaryShade: { light: 8, dark: 8 },
  defaultRadius: 'sm',
  autoContrast: true,
  components: {
    // Icon-only close buttons need a name for screen readers.
    Modal: Modal.extend({ defaultProps: { closeButtonProps: { 'aria-label': 'Close dialog' } } }),
    Notification: Notification.extend({
      defaultProps: { closeButtonProps: { 'aria-label': 'Dismiss notification' } },
      styles: { description: { color: 'var(--mantine-color-dimmed)' } },
    }),
  },
});

export const cssVariablesResolver: CSSVariablesResolver = (t) => {
  const light: Record<string, string> = {
    '--mantine-color-dimmed': t.colors.gray[7],
    '--mantine-color-anchor': t.colors.indigo[8],
  };
  for (const [name, shades] of Object.entries(t.colors)) {
    // text on the pale "light" background (badges, active links)
    light[`--mantine-color-${name}-light-color`] = darken(shades[9], 0.2);
    light[`--mantine-color-${name}-outline`] = shades[8];
    // white text on filled badges and buttons
    light[`--mantine-color-${name}-filled`] = darken(shades[9], 0.1);
    light[`--mantine-color-${name}-filled-hover`] = darken(shades[9], 0.25);
    light[`--mantine-color-${name}-text`] = shades[8];
  }
  return { variables: {}, light, dark: { '--mantine-color-dimmed': t.colors.dark[1] } };
};
