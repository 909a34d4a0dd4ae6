// Labelled form controls with a hint and the API's messages about the field, tied to the control
// with aria-describedby and aria-invalid.
import type { ComponentChildren, JSX } from 'preact';
import { useId } from 'preact/hooks';

interface FrameProps {
  label: string;
  hint?: ComponentChildren;
  errors?: string[];
  children: (control: { id: string; 'aria-describedby'?: string; 'aria-invalid'?: 'true' }) => JSX.Element;
}

export function FieldFrame({ label, hint, errors = [], children }: FrameProps) {
  const id = useId();
  const described = [hint ? `${id}-hint` : '', errors.length ? `${id}-error` : ''].filter(Boolean).join(' ');
  return (
    <div class={`field${errors.length ? ' field-invalid' : ''}`}>
      <label for={id}>{label}</label>
      {children({ id, ...(described && { 'aria-describedby': described }), ...(errors.length > 0 && { 'aria-invalid': 'true' as const }) })}
      {hint && (
        <p class="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {errors.length > 0 && (
        <p class="field-error" id={`${id}-error`}>
          {errors.join('; ')}
        </p>
      )}
    </div>
  );
}

interface InputProps {
  label: string;
  hint?: ComponentChildren;
  errors?: string[];
  value: string;
  onValue: (value: string) => void;
  name?: string;
  type?: 'text' | 'search' | 'number' | 'datetime-local';
  min?: number;
  max?: number;
  maxLength?: number;
  required?: boolean;
  autoComplete?: string;
  inputMode?: 'numeric' | 'text';
  spellcheck?: boolean;
  autoCapitalize?: 'none' | 'off';
}

export function TextField({ label, hint, errors, value, onValue, ...input }: InputProps) {
  return (
    <FieldFrame label={label} hint={hint} errors={errors}>
      {(control) => (
        // `type` is one of a few known values; preact's input typing wants each one spelled out.
        <input {...(input as { type: 'text' })} {...control} value={value} onInput={(e) => onValue(e.currentTarget.value)} />
      )}
    </FieldFrame>
  );
}

interface TextAreaProps {
  label: string;
  hint?: ComponentChildren;
  errors?: string[];
  value: string;
  onValue: (value: string) => void;
  name?: string;
  rows?: number;
  maxLength?: number;
}

export function TextAreaField({ label, hint, errors, value, onValue, ...textarea }: TextAreaProps) {
  return (
    <FieldFrame label={label} hint={hint} errors={errors}>
      {(control) => <textarea {...textarea} {...control} value={value} onInput={(e) => onValue(e.currentTarget.value)} />}
    </FieldFrame>
  );
}

interface SelectProps {
  label: string;
  hint?: ComponentChildren;
  errors?: string[];
  value: string;
  onValue: (value: string) => void;
  options: Array<{ value: string; label: string }>;
  name?: string;
}

export function SelectField({ label, hint, errors, value, onValue, options, name }: SelectProps) {
  return (
    <FieldFrame label={label} hint={hint} errors={errors}>
      {(control) => (
        <select {...control} name={name} value={value} onChange={(e) => onValue(e.currentTarget.value)}>
          {options.map((option) => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))}
        </select>
      )}
    </FieldFrame>
  );
}

interface CheckboxProps {
  label: string;
  checked: boolean;
  onChecked: (checked: boolean) => void;
  name?: string;
}

export function Checkbox({ label, checked, onChecked, name }: CheckboxProps) {
  const id = useId();
  return (
    <div class="checkbox">
      <input type="checkbox" id={id} name={name} checked={checked} onChange={(e) => onChecked(e.currentTarget.checked)} />
      <label for={id}>{label}</label>
    </div>
  );
}

interface ChoicesProps {
  legend: string;
  hint?: ComponentChildren;
  errors?: string[];
  choices: string[];
  chosen: string[];
  onChosen: (chosen: string[]) => void;
}

/** A group of checkboxes, e.g. the scopes a tenant policy allows. */
export function Choices({ legend, hint, errors = [], choices, chosen, onChosen }: ChoicesProps) {
  const id = useId();
  return (
    <fieldset class={`field${errors.length ? ' field-invalid' : ''}`} aria-describedby={[hint ? `${id}-hint` : '', errors.length ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined}>
      <legend>{legend}</legend>
      {choices.map((choice) => (
        <Checkbox
          key={choice}
          label={choice}
          checked={chosen.includes(choice)}
          onChecked={(on) => onChosen(on ? [...chosen, choice] : chosen.filter((c) => c !== choice))}
        />
      ))}
      {hint && (
        <p class="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {errors.length > 0 && (
        <p class="field-error" id={`${id}-error`}>
          {errors.join('; ')}
        </p>
      )}
    </fieldset>
  );
}
