/**
 * Keeps the workbench's state in the URL hash and restores it after a reload (issue 15,
 * point 7): the view, model and checkpoint, the selection (applied once the project's models
 * are known, so it belongs to the restored model and checkpoint), the query form and the saved
 * answer on screen (both taken by the Queries view once). Writes use history.replaceState, so
 * only view changes add history entries.
 */
import { effectScope, ref, shallowRef, watch } from 'vue';
import { formatHash, parseHash, type UrlState } from './urlState.ts';
import { useProject } from './useProject.ts';
import { useSelection } from './useSelection.ts';
import { useView } from './useView.ts';

const initial: UrlState = parseHash(window.location.hash);
let queryTaken = false;
let answerTaken = false;

/** The Queries view's form as it is now (the view writes it). */
export const queryForm = shallowRef<Record<string, unknown> | null>(null);
/** The saved answer on screen in the Queries view, if any. */
export const openAnswerId = ref<number | null>(null);

/** The query form of the URL the page was loaded with — once (the view then owns its form). */
export function takeInitialQuery(): Record<string, unknown> | null {
  if (queryTaken) return null;
  queryTaken = true;
  return initial.query ?? null;
}

/** The saved answer of the URL the page was loaded with — once. */
export function takeInitialAnswer(): number | null {
  if (answerTaken) return null;
  answerTaken = true;
  return initial.answer ?? null;
}

let started = false;

export function startUrlState(): void {
  if (started) return;
  started = true;
  effectScope(true).run(() => {
    const { view } = useView();
    const p = useProject();
    const sel = useSelection();
    let pending = initial.model !== undefined || initial.selection !== undefined;

    // Restore once the project is known (or known to be absent).
    watch([p.app, p.info], ([app, info]) => {
      if (!pending || !app) return;
      if (app.project && !info) return; // the project's models are still loading
      pending = false;
      const m = info?.models.find((x) => x.name === initial.model);
      if (m) {
        p.modelName.value = m.name;
        if (initial.checkpoint && m.checkpoints.some((c) => c.label === initial.checkpoint)) p.checkpointLabel.value = initial.checkpoint;
      }
      if (info && initial.selection?.length && (initial.model === undefined || m)) sel.set(initial.selection, initial.selectionFrom ?? 'the page address');
    }, { immediate: true });

    watch([view, p.modelName, p.checkpointLabel, sel.selected, sel.source, queryForm, openAnswerId], () => {
      if (pending) return; // keep the address as loaded until it is applied
      const hash = formatHash({
        view: view.value,
        model: p.modelName.value ?? undefined,
        checkpoint: p.checkpointLabel.value ?? undefined,
        query: queryForm.value ?? undefined,
        selection: sel.selected.value,
        selectionFrom: sel.source.value ?? undefined,
        answer: openAnswerId.value ?? undefined,
      });
      if (hash !== window.location.hash) window.history.replaceState(window.history.state, '', hash);
    }, { flush: 'post' });
  });
}
