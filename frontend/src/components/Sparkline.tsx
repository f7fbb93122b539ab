// A tiny inline SVG line chart (no chart library: it would weigh more than the page).
export function Sparkline({ values, max, label, color = 'var(--mantine-primary-color-filled)' }: {
  values: number[];
  max?: number;
  label: string;
  color?: string;
}) {
  const width = 80;
  const height = 22;
  const top = Math.max(max ?? 0, ...values, 1e-9);
  const points = values
    .map((v, i) => {
      const x = values.length <= 1 ? width : (i / (values.length - 1)) * width;
      const y = height - (v / top) * (height - 2) - 1;
      return `${x.toFixed(1)},${y.toFixed(1)}`;
    })
    .join(' ');
  return (
    <svg width={width} height={height} role="img" aria-label={label} style={{ verticalAlign: 'middle' }}>
      <title>{label}</title>
      <polyline fill="none" stroke={color} strokeWidth="1.5" points={points} />
    </svg>
  );
}
