import type { FormEvent } from 'react';
import type { DraftField, OrderDraft } from './order-draft.js';

interface Violation {
  field: string;
  message: string;
}

const FIELDS: Array<{ name: DraftField; label: string; options?: string[] }> = [
  { name: 'deviceId', label: 'ICCID' },
  { name: 'packageCode', label: 'Package code' },
  { name: 'packageName', label: 'Package name' },
  { name: 'packageType', label: 'Package type', options: ['DAILY', 'UNLIMITED_DAILY', 'MONTHLY', 'QUARTERLY', 'HALF_YEARLY', 'YEARLY'] },
  { name: 'days', label: 'Days' },
  { name: 'timingType', label: 'Timing type' },
  { name: 'payAmount', label: 'Amount paid' },
  { name: 'payRst', label: 'Payment', options: ['UNPAID', 'PAID'] },
  { name: 'payType', label: 'Payment method', options: ['ALIPAY', 'WECHAT_PAY', 'IPAY88'] },
];

/** The input field a violation names: its path's last part (`deviceId`, or `input.deviceId`). */
function fieldOf(violation: Violation): string {
  return violation.field.split('.').pop() ?? violation.field;
}

/** The order form. Each violation the gateway found is shown beside its field; any other under the form. */
export function OrderForm(props: {
  draft: OrderDraft;
  onChange: (draft: OrderDraft) => void;
  violations: Violation[];
  busy: boolean;
  onSubmit: () => void;
}) {
  const { draft, violations } = props;
  const known = new Set<string>(FIELDS.map((field) => field.name));
  const elsewhere = violations.filter((violation) => !known.has(fieldOf(violation)));
  function submit(event: FormEvent) {
    event.preventDefault();
    props.onSubmit();
  }
  return (
    <form onSubmit={submit} noValidate>
      {FIELDS.map(({ name, label, options }) => {
        const problems = violations.filter((violation) => fieldOf(violation) === name);
        const set = (value: string) => props.onChange({ ...draft, [name]: value });
        const id = `field-${name}`;
        return (
          <div className="field" key={name}>
            <label htmlFor={id}>{label}</label>
            {options ? (
              <select id={id} name={name} value={draft[name]} onChange={(event) => set(event.target.value)}>
                {options.map((option) => (
                  <option key={option}>{option}</option>
                ))}
              </select>
            ) : (
              <input
                id={id}
                name={name}
                value={draft[name]}
                aria-invalid={problems.length > 0}
                aria-describedby={problems.length > 0 ? `${id}-violation` : undefined}
                onChange={(event) => set(event.target.value)}
              />
            )}
            {problems.length > 0 && (
              <span className="violation" id={`${id}-violation`} data-field={name} role="alert">
                {problems.map((problem) => problem.message).join(' ')}
              </span>
            )}
          </div>
        );
      })}
      {elsewhere.map((violation) => (
        <p className="violation" key={`${violation.field}: ${violation.message}`} data-field={violation.field}>
          {violation.field}: {violation.message}
        </p>
      ))}
      <button type="submit" disabled={props.busy}>
        {props.busy ? 'Ordering…' : 'Place order'}
      </button>
    </form>
  );
}
