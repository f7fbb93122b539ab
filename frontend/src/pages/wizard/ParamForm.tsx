// One component's parameters as a form generated from its JSON Schema (rjsf, Mantine theme),
// validated live by the same ajv validator as the parity test. A `secret` parameter is a
// password input with a "Generate" button; left empty, the server generates it.
import { useMemo } from 'react';
import { Button, Group, PasswordInput } from '@mantine/core';
import Form from '@rjsf/mantine';
import type { RJSFSchema, UiSchema, WidgetProps } from '@rjsf/utils';
import type { JsonSchema } from '../../api/wizard';
import { formSchema, generateSecret, secretParams, wizardValidator } from '../../lib/wizardValidation';

function SecretWidget({ id, label, value, required, disabled, readonly, rawErrors, schema, onChange, onBlur }: WidgetProps) {
  const text = typeof value === 'string' ? value : '';
  return (
    <Group align="flex-end" gap="xs" wrap="nowrap">
      <PasswordInput
        id={id}
        style={{ flex: 1 }}
        label={label}
        required={required}
        disabled={disabled || readonly}
        value={text}
        placeholder="generated when left empty"
        autoComplete="new-password"
        error={rawErrors && rawErrors.length > 0 ? rawErrors.join('\n') : undefined}
        onChange={(e) => onChange(e.currentTarget.value === '' ? undefined : e.currentTarget.value)}
        onBlur={(e) => onBlur(id, e.currentTarget.value)}
        aria-describedby={`${id}__description`}
      />
      <Button
        variant="default"
        disabled={disabled || readonly}
        onClick={() => onChange(generateSecret(schema as Record<string, number>))}
        aria-label={`Generate ${label}`}
      >
        Generate
      </Button>
    </Group>
  );
}

const WIDGETS = { secret: SecretWidget };

export interface ParamFormProps {
  component: string;
  schema: JsonSchema;
  value: Record<string, unknown>;
  onChange: (value: Record<string, unknown>) => void;
}

export function ParamForm({ component, schema, value, onChange }: ParamFormProps) {
  const shown = useMemo(() => formSchema(schema) as RJSFSchema, [schema]);
  const uiSchema = useMemo<UiSchema>(() => {
    const ui: UiSchema = { 'ui:submitButtonOptions': { norender: true } };
    for (const name of secretParams(schema)) ui[name] = { 'ui:widget': 'secret' };
    return ui;
  }, [schema]);
  return (
    <Form
      schema={shown}
      uiSchema={uiSchema}
      widgets={WIDGETS}
      formData={value}
      validator={wizardValidator}
      idPrefix={`param-${component}`}
      liveValidate="onChange"
      showErrorList={false}
      noHtml5Validate
      onChange={(event) => onChange((event.formData ?? {}) as Record<string, unknown>)}
      onSubmit={() => undefined}
    />
  );
}
