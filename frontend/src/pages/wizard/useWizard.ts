// The wizard's state: what the user picked, their answers, and the server's live verdict on
// them (POST /wizard/resolve, debounced: the rules engine explains additions and conflicts
// while the user is still choosing).
import { useMemo, useState } from 'react';
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useQueries, useQuery } from '@tanstack/react-query';
import {
  getComponent,
  resolve,
  wizardKeys,
  type Answers,
  type JsonSchema,
  type ResolvedComponent,
  type SelectionItem,
} from '../../api/wizard';
import { secretParams } from '../../lib/wizardValidation';

export const RESOLVE_DEBOUNCE_MS = 300;

export interface WizardState {
  selection: SelectionItem[];
  answers: Answers;
}

export function useWizard(initial: WizardState = { selection: [], answers: {} }) {
  const [selection, setSelection] = useState<SelectionItem[]>(initial.selection);
  const [answers, setAnswers] = useState<Answers>(initial.answers);
  const toggle = (component: string, version?: string) =>
    setSelection((current) =>
      current.some((s) => s.component === component)
        ? current.filter((s) => s.component !== component)
        : [...current, version ? { component, version } : { component }],
    );
  const setVersion = (component: string, version: string) =>
    setSelection((current) => current.map((s) => (s.component === component ? { component, version } : s)));
  const answer = (component: string, value: Record<string, unknown>) =>
    setAnswers((current) => ({ ...current, [component]: value }));
  return { selection, answers, toggle, setVersion, answer, setSelection, setAnswers };
}

/** The rules engine's answer for a selection and its answers, refreshed as they change. */
export function useResolution(selection: SelectionItem[], answers: Answers) {
  // debounced by content (callers may hand a new object of the same answers on each render)
  const now = JSON.stringify({ selection, answers });
  const [text] = useDebouncedValue(now, RESOLVE_DEBOUNCE_MS);
  const input = useMemo(() => JSON.parse(text) as WizardState, [text]);
  const query = useQuery({
    queryKey: ['wizard', 'resolve', input] as const,
    enabled: input.selection.length > 0,
    placeholderData: keepPreviousData,
    retry: false,
    staleTime: 30_000,
    queryFn: () => resolve(input),
  });
  // false while the verdict on screen is for older choices (in the pause, or being fetched)
  const settled = text === now && !query.isFetching && query.data !== undefined;
  return { resolution: query, settled };
}

/** Each resolved component's parameter schema (of the version the resolver chose). */
export function useParameterSchemas(components: ResolvedComponent[]) {
  const details = useQueries({
    queries: components.map((c) => ({
      queryKey: wizardKeys.component(c.component),
      queryFn: () => getComponent(c.component),
      staleTime: 60_000,
    })),
  });
  const loaded = details.map((d) => d.data);
  return useMemo(() => {
    const schemas: Record<string, JsonSchema> = {};
    components.forEach((c, i) => {
      const detail = loaded[i];
      const version = detail?.versions.find((v) => v.version === c.version) ?? detail?.versions[0];
      if (version) schemas[c.component] = version.parameters;
    });
    return schemas;
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [components, ...loaded]);
}

/** The answers without the secrets that were recorded and not touched (masked by the
 * server: sending the mask back would replace the real value). */
export function withoutMaskedSecrets(answers: Answers, recorded: Answers, schemas: Record<string, JsonSchema>): Answers {
  const out: Answers = {};
  for (const [component, values] of Object.entries(answers)) {
    const secrets = new Set(schemas[component] ? secretParams(schemas[component]) : []);
    const before = recorded[component] ?? {};
    out[component] = Object.fromEntries(
      Object.entries(values).filter(([name, value]) => !(secrets.has(name) && JSON.stringify(before[name]) === JSON.stringify(value))),
    );
  }
  return out;
}
