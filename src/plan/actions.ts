// What a plan does to one object, read from tofu's list of actions. Shared by the summary and the Flux reading,
// which both classify the same resource_changes.
export type ResourceAction =
  'create' | 'update' | 'replace' | 'delete' | 'import' | 'move' | 'read' | 'forget' | 'no-op';

export function classifyActions(actions: readonly string[], moved: boolean, importing: boolean): ResourceAction {
  const has = (a: string): boolean => actions.includes(a);
  if (has('delete') && has('create')) return 'replace';
  if (has('create')) return 'create';
  if (has('delete')) return 'delete';
  if (has('update')) return 'update';
  if (has('forget')) return 'forget';
  if (has('read')) return 'read';
  if (importing) return 'import';
  if (moved) return 'move';
  return 'no-op';
}
