// Container log lines kept in memory (bounded) and filtered for display. Pure.
export interface ShownLine {
  n: number;
  stream: 'stdout' | 'stderr';
  line: string;
  time?: string | null;
  source?: string; // service-replica, in a stack's merged view
}

export const MAX_LINES = 5000;

export function append(lines: ShownLine[], more: ShownLine[], max = MAX_LINES): ShownLine[] {
  const all = lines.concat(more);
  return all.length > max ? all.slice(all.length - max) : all;
}

export function filterLines(lines: ShownLine[], text: string, stream: 'all' | 'stdout' | 'stderr'): ShownLine[] {
  const needle = text.trim().toLowerCase();
  return lines.filter(
    (l) => (stream === 'all' || l.stream === stream) && (!needle || l.line.toLowerCase().includes(needle)),
  );
}

export function asText(lines: ShownLine[]): string {
  return lines.map((l) => `${l.time ? `${l.time} ` : ''}${l.source ? `${l.source} ` : ''}${l.stream} ${l.line}`).join('\n') + '\n';
}
