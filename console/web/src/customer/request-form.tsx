// Requesting a delivery: the contract's fields, sent as typed; the gateway validates, and each
// error of a 400 is shown next to its field (errors[].path, e.g. body.packageInfo.weight).
import type { DeliveryRequest, Problem } from '@dronedelivery/contracts';
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { type Api, ApiError, describeError } from '../api.ts';
import { fromLocalInput, toLocalInput } from '../time.ts';
import { parseLocation } from './location-field.ts';

type Errors = Record<string, string>;

/** The form field a problem's error path is about. */
const fieldOf = (path: string) =>
  path
    .replace(/^body\.?/, '')
    .replace(/^pickupLocation\..*/, 'pickupLocation')
    .replace(/^dropOffLocation\..*/, 'dropOffLocation') || 'form';

function Field(props: {
  id: string;
  label: string;
  errors: Errors;
  hint?: string;
  children: (describedBy: string | undefined) => ComponentChildren;
}) {
  const error = props.errors[props.id];
  const describedBy = [props.hint && `${props.id}-hint`, error && `${props.id}-error`].filter(Boolean).join(' ') || undefined;
  return (
    <div class={`field${error ? ' invalid' : ''}`}>
      <label for={props.id}>{props.label}</label>
      {props.children(describedBy)}
      {props.hint && (
        <span class="hint" id={`${props.id}-hint`}>
          {props.hint}
        </span>
      )}
      {error && (
        <span class="field-error" id={`${props.id}-error`}>
          {error}
        </span>
      )}
    </div>
  );
}

export function RequestForm({ api, ownerId, onAccepted }: { api: Api; ownerId: string; onAccepted: (deliveryId: string) => void }) {
  const [values, setValues] = useState({
    pickupLocation: 'mypickup',
    dropOffLocation: 'mydropoff',
    pickupTime: toLocalInput(new Date()),
    deadline: '',
    expedited: false,
    confirmationRequired: 'None',
    packageId: `pkg-${crypto.randomUUID().slice(0, 8)}`,
    size: 'Small',
    weight: '1',
    tag: '',
  });
  const [errors, setErrors] = useState<Errors>({});
  const [summary, setSummary] = useState<string>();
  const [busy, setBusy] = useState(false);
  const set = (name: keyof typeof values) => (event: Event) => {
    const input = event.currentTarget as HTMLInputElement;
    setValues({ ...values, [name]: input.type === 'checkbox' ? input.checked : input.value });
  };

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setErrors({});
    setSummary(undefined);
    const request: DeliveryRequest = {
      ownerId,
      pickupLocation: parseLocation(values.pickupLocation),
      dropOffLocation: parseLocation(values.dropOffLocation),
      pickupTime: fromLocalInput(values.pickupTime) ?? values.pickupTime,
      ...(values.deadline ? { deadline: fromLocalInput(values.deadline) ?? values.deadline } : {}),
      expedited: values.expedited,
      confirmationRequired: values.confirmationRequired as DeliveryRequest['confirmationRequired'],
      packageInfo: {
        packageId: values.packageId,
        size: values.size as DeliveryRequest['packageInfo']['size'],
        weight: values.weight === '' ? Number.NaN : Number(values.weight),
        ...(values.tag ? { tag: values.tag } : {}),
      },
    };
    try {
      const accepted = await api.send<{ deliveryId: string }>('POST', '/api/deliveryrequests', request);
      onAccepted(accepted.deliveryId);
    } catch (error) {
      const problem: Partial<Problem> | undefined = error instanceof ApiError ? error.problem : undefined;
      const fieldErrors: Errors = {};
      for (const item of problem?.errors ?? []) {
        const field = fieldOf(item.path);
        fieldErrors[field] = fieldErrors[field] ? `${fieldErrors[field]}; ${item.message}` : item.message;
      }
      setErrors(fieldErrors);
      setSummary(describeError(error));
    } finally {
      setBusy(false);
    }
  }

  const input =
    (id: keyof typeof values, attributes: Record<string, unknown> = {}) =>
    (describedBy: string | undefined) => (
      <input
        id={id}
        name={id}
        value={values[id] as string}
        onInput={set(id)}
        aria-invalid={errors[id] ? 'true' : undefined}
        aria-describedby={describedBy}
        {...attributes}
      />
    );

  return (
    <section class="card" aria-labelledby="request-title">
      <h2 id="request-title">Request a delivery</h2>
      <form onSubmit={submit} noValidate>
        {summary && (
          <div class="error" role="alert">
            <p>{summary}</p>
            {errors.form && <p>{errors.form}</p>}
          </div>
        )}
        <Field id="pickupLocation" label="Pickup" hint="An address label, or latitude, longitude" errors={errors}>
          {input('pickupLocation', { required: true })}
        </Field>
        <Field id="dropOffLocation" label="Dropoff" hint="An address label, or latitude, longitude" errors={errors}>
          {input('dropOffLocation', { required: true })}
        </Field>
        <div class="row">
          <Field id="pickupTime" label="Pickup time" errors={errors}>
            {input('pickupTime', { type: 'datetime-local', required: true })}
          </Field>
          <Field id="deadline" label="Deadline (optional)" errors={errors}>
            {input('deadline', { type: 'datetime-local' })}
          </Field>
        </div>
        <div class="row">
          <Field id="packageInfo.packageId" label="Package id" errors={errors}>
            {(describedBy) => (
              <input
                id="packageInfo.packageId"
                value={values.packageId}
                onInput={set('packageId')}
                aria-invalid={errors['packageInfo.packageId'] ? 'true' : undefined}
                aria-describedby={describedBy}
              />
            )}
          </Field>
          <Field id="packageInfo.size" label="Size" errors={errors}>
            {(describedBy) => (
              <select id="packageInfo.size" value={values.size} onChange={set('size')} aria-describedby={describedBy}>
                <option>Small</option>
                <option>Medium</option>
                <option>Large</option>
              </select>
            )}
          </Field>
          <Field id="packageInfo.weight" label="Weight (kg)" errors={errors}>
            {(describedBy) => (
              <input
                id="packageInfo.weight"
                type="number"
                step="any"
                inputMode="decimal"
                value={values.weight}
                onInput={set('weight')}
                aria-invalid={errors['packageInfo.weight'] ? 'true' : undefined}
                aria-describedby={describedBy}
              />
            )}
          </Field>
        </div>
        <Field id="packageInfo.tag" label="Tag (optional)" errors={errors}>
          {(describedBy) => <input id="packageInfo.tag" value={values.tag} onInput={set('tag')} aria-describedby={describedBy} />}
        </Field>
        <Field id="confirmationRequired" label="Confirmation required" errors={errors}>
          {(describedBy) => (
            <select
              id="confirmationRequired"
              value={values.confirmationRequired}
              onChange={set('confirmationRequired')}
              aria-describedby={describedBy}
            >
              <option>None</option>
              <option>Picture</option>
              <option>FingerPrint</option>
              <option>Voice</option>
            </select>
          )}
        </Field>
        <label class="check">
          <input type="checkbox" name="expedited" checked={values.expedited} onChange={set('expedited')} /> Expedited
        </label>
        <button type="submit" disabled={busy}>
          {busy ? 'Requesting…' : 'Request delivery'}
        </button>
      </form>
    </section>
  );
}
