/**
 * A search parameter's FHIRPath evaluated without walking @medplum/core's syntax tree for its member
 * steps. Most expressions the index rows evaluate are member paths (`Patient.name.family`,
 * `Observation.effective`) joined by `|` and narrowed by `as`: the interpreter spends more on its
 * own bookkeeping for such a step — a variable lookup up the context chain for every name, a
 * context object and closures for every value — than on reading the member. Here a member step
 * calls @medplum/core's own typed property access (`getTypedPropertyValueWithPath`: choice types,
 * primitive extensions, the element's type, and the path that `|` and `=` compare elements by) and
 * nothing else; `.`, `|` and the outer expression are composed directly; every other node
 * (functions such as `where` or `resolve`, operators, literals) is evaluated by @medplum/core as
 * before, over the values the compiled steps produced. The values are the interpreter's, paths
 * included, in its order: `compiled-fhirpath.test.ts` compares both for every search parameter over
 * the HL7 examples.
 */
import {
  AsAtom,
  type Atom,
  type AtomContext,
  DotAtom,
  FhirPathAtom,
  getTypedPropertyValueWithPath,
  InfixOperatorAtom,
  IsAtom,
  isResource,
  removeDuplicates,
  SymbolAtom,
  type TypedValue,
  UnionAtom,
} from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';

type Step = (context: AtomContext, input: TypedValue[]) => TypedValue[];

/** An expression as a function of its input; the values as `evalFhirPathTyped` returns them. */
export function compileFhirPath(expression: Atom): (input: TypedValue[]) => TypedValue[] {
  const step = compile(expression);
  return (input) => {
    const values = step({ variables: {} }, input);
    // as evalFhirPathTyped: a primitive merged with its extension (`_birthDate`) is a wrapper object
    const out: (TypedValue & { path?: string })[] = new Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const { type, value, path } = values[i] as TypedValue & { path?: string };
      out[i] =
        path === undefined ? { type, value: value?.valueOf() } : { type, value: value?.valueOf(), path };
    }
    return out;
  };
}

function compile(atom: Atom): Step {
  if (atom instanceof FhirPathAtom) return outer(compile(atom.child));
  if (atom instanceof SymbolAtom && !atom.name.startsWith('$') && !atom.name.startsWith('%'))
    return member(atom.name);
  if (atom instanceof DotAtom) {
    const left = compile(atom.left);
    const right = compile(atom.right);
    return (context, input) => right(context, left(context, input));
  }
  if (atom instanceof UnionAtom) {
    const left = compile(atom.left);
    const right = compile(atom.right);
    return (context, input) => removeDuplicates([...left(context, input), ...right(context, input)]);
  }
  if (atom instanceof InfixOperatorAtom) {
    // the operator's own evaluation over compiled operands; a type operand (`as Quantity`) stays as parsed
    const typed = atom instanceof AsAtom || atom instanceof IsAtom;
    const copy = Object.assign(Object.create(Object.getPrototypeOf(atom)) as InfixOperatorAtom, atom, {
      left: adapter(atom.left),
      right: typed ? atom.right : adapter(atom.right),
    });
    return (context, input) => copy.eval(context, input);
  }
  // functions (their arguments are evaluated per value, with $this), literals, indexers, variables
  return (context, input) => atom.eval(context, input);
}

/** The whole expression: evaluated for each input value with `$this` bound to it, as FhirPathAtom does. */
function outer(child: Step): Step {
  return (context, input) => {
    if (input.length === 0) return child(context, []);
    if (input.length === 1) return child({ parent: context, variables: { $this: input[0] } }, input);
    const out: TypedValue[] = [];
    for (const value of input) out.push(...child({ parent: context, variables: { $this: value } }, [value]));
    return out;
  };
}

/** A member step: SymbolAtom's evaluation without its variable lookup up the context chain. */
function member(name: string): Step {
  return (_context, input) => {
    const out: TypedValue[] = [];
    for (const item of input) {
      const value = item.value;
      if (!value || typeof value !== 'object') continue;
      if (isResource(value, name as Resource['resourceType'])) {
        // `Patient` in `Patient.name`; the interpreter names the root's path the same way
        if (!('path' in item)) (item as { path?: string }).path = value.resourceType;
        out.push(item);
        continue;
      }
      const found = getTypedPropertyValueWithPath(item, name);
      if (found === undefined) continue;
      if (Array.isArray(found)) {
        for (const v of found) if (v?.value !== undefined) out.push(v);
      } else if (found.value !== undefined) out.push(found);
    }
    return out;
  };
}

/** A compiled step where @medplum/core expects an atom. */
function adapter(atom: Atom): Atom {
  const step = compile(atom);
  return { eval: step, toString: () => atom.toString() } as Atom;
}
