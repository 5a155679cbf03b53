import { ref, type Ref } from 'vue';

export const VIEWS = [
  { id: 'projects', label: 'Projects', icon: '▤' },
  { id: 'model', label: 'Model', icon: '◫' },
  { id: 'latent', label: 'Latent space', icon: '⁘' },
  { id: 'samplers', label: 'Samplers', icon: '◎' },
  { id: 'queries', label: 'Queries', icon: '⌕' },
  { id: 'items', label: 'Items', icon: '▦' },
  { id: 'compare', label: 'Compare', icon: '⇄' },
  { id: 'reports', label: 'Reports', icon: '≣' },
] as const;
export type ViewId = (typeof VIEWS)[number]['id'];

function fromHash(): ViewId {
  // "#/queries?model=…": the view is the path; the rest is useUrlState's.
  const h = window.location.hash.replace(/^#\/?/, '').split('?')[0];
  return (VIEWS.find((v) => v.id === h)?.id ?? 'projects') as ViewId;
}

const current = ref<ViewId>(fromHash());
window.addEventListener('hashchange', () => (current.value = fromHash()));

/** The workspace's current view, kept in the URL hash so reloads and links keep it. */
export function useView(): { view: Ref<ViewId>; go: (v: ViewId) => void } {
  return {
    view: current,
    go(v) {
      window.location.hash = `#/${v}`;
      current.value = v;
    },
  };
}
