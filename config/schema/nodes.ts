// The kinds of node the config schema is made of, the helpers that declare them, and the value type each gives
// (config/types.ts derives `Config` with ValueOf).

export type Unit = 'ms' | 'bytes' | 'count';
export interface StringLeaf {
  kind: 'string';
  default: string;
  description: string;
  /**
   * true: the value is a secret, redacted from every log line, report and printed config. 'url-password': only
   * the password of a user:password@ URL is. A path to a file that holds a secret is not itself a secret.
   */
  secret?: true | 'url-password';
}
export interface IntLeaf {
  kind: 'int';
  default: number;
  description: string;
  min?: number;
  max?: number;
  unit?: Unit;
}
export interface BoolLeaf {
  kind: 'bool';
  default: boolean;
  description: string;
}
export interface EnumLeaf<V extends string = string> {
  kind: 'enum';
  default: V;
  values: readonly V[];
  description: string;
}
export interface StringsLeaf {
  kind: 'strings';
  default: readonly string[];
  description: string;
}
/** A mapping of names to values (strings, numbers, booleans or lists of strings), e.g. a source's static fields. */
export interface MapLeaf {
  kind: 'map';
  default: Readonly<Record<string, never>>;
  description: string;
}
export type FieldValue = string | number | boolean | string[];
export type Leaf = StringLeaf | IntLeaf | BoolLeaf | EnumLeaf | StringsLeaf | MapLeaf;
export interface ObjectNode<F extends Record<string, Node> = Record<string, Node>> {
  kind: 'object';
  description: string;
  fields: F;
}
/** A list of objects of one shape (agent.sources); each item is merged over the item's defaults. */
export interface ListNode<F extends Record<string, Node> = Record<string, Node>> {
  kind: 'list';
  description: string;
  item: ObjectNode<F>;
}
export type Node = Leaf | ObjectNode | ListNode;

/** The value a node holds in a loaded config: config/types.ts derives `Config` from the schema with it. */
export type ValueOf<N> =
  N extends ListNode<infer F>
    ? Array<{ [K in keyof F]: ValueOf<F[K]> }>
    : N extends ObjectNode<infer F>
      ? { [K in keyof F]: ValueOf<F[K]> }
      : N extends EnumLeaf<infer V>
        ? V
        : N extends StringsLeaf
          ? string[]
          : N extends StringLeaf
            ? string
            : N extends IntLeaf
              ? number
              : N extends BoolLeaf
                ? boolean
                : N extends MapLeaf
                  ? Record<string, FieldValue>
                  : never;

// The helpers keep each leaf's literal types (an enum's values, an object's fields) so ValueOf can read them.
export const str = (def: string, description: string, opts: { secret?: StringLeaf['secret'] } = {}): StringLeaf => ({
  kind: 'string',
  default: def,
  description,
  ...(opts.secret ? { secret: opts.secret } : {}),
});
export const int = (def: number, description: string, opts: { min?: number; max?: number; unit?: Unit } = {}): IntLeaf => ({
  kind: 'int',
  default: def,
  description,
  min: opts.min ?? 0,
  max: opts.max,
  unit: opts.unit,
});
export const ms = (def: number, description: string, min = 0) => int(def, description, { unit: 'ms', min });
export const bytes = (def: number, description: string, min = 0) => int(def, description, { unit: 'bytes', min });
export const bool = (def: boolean, description: string): BoolLeaf => ({ kind: 'bool', default: def, description });
export const oneOf = <const V extends string>(def: NoInfer<V>, values: readonly V[], description: string): EnumLeaf<V> => ({
  kind: 'enum',
  default: def,
  values,
  description,
});
export const strings = (def: readonly string[], description: string): StringsLeaf => ({ kind: 'strings', default: def, description });
export const obj = <F extends Record<string, Node>>(description: string, fields: F): ObjectNode<F> => ({
  kind: 'object',
  description,
  fields,
});

export const map = (description: string): MapLeaf => ({ kind: 'map', default: {}, description });
export const list = <F extends Record<string, Node>>(description: string, item: ObjectNode<F>): ListNode<F> => ({
  kind: 'list',
  description,
  item,
});
