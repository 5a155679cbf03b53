/**
 * Light or dark: follows the system (prefers-color-scheme) until the user picks one with the
 * toggle; the pick is kept in localStorage. The resolved theme is set as `data-theme` on <html>
 * (styles/base.css switches its colour variables on it) and read by EChart.vue, which redraws
 * its charts with ECharts' dark theme.
 */
import { computed, ref, type ComputedRef, type Ref } from 'vue';

export type ThemePreference = 'system' | 'light' | 'dark';
export type Theme = 'light' | 'dark';

export const THEME_STORAGE_KEY = 'margin.theme';
const ORDER: ThemePreference[] = ['system', 'light', 'dark'];

/** The theme shown for a preference and the system's current scheme. */
export function resolveTheme(pref: ThemePreference, systemDark: boolean): Theme {
  return pref === 'system' ? (systemDark ? 'dark' : 'light') : pref;
}

/** The toggle's next preference: system → light → dark → system. */
export function nextPreference(pref: ThemePreference): ThemePreference {
  return ORDER[(ORDER.indexOf(pref) + 1) % ORDER.length];
}

/** A stored preference, or 'system' when nothing (or something unknown) is stored. */
export function parsePreference(v: string | null | undefined): ThemePreference {
  return v === 'light' || v === 'dark' || v === 'system' ? v : 'system';
}

const hasWindow = typeof window !== 'undefined';
const media = hasWindow && window.matchMedia ? window.matchMedia('(prefers-color-scheme: dark)') : null;
const systemDark = ref(media?.matches ?? false);
media?.addEventListener?.('change', (e) => (systemDark.value = e.matches));

function readStored(): ThemePreference {
  try {
    return parsePreference(hasWindow ? window.localStorage.getItem(THEME_STORAGE_KEY) : null);
  } catch {
    return 'system';
  }
}

const preference = ref<ThemePreference>(readStored());
const theme = computed<Theme>(() => resolveTheme(preference.value, systemDark.value));

function applyToDocument(t: Theme) {
  if (typeof document !== 'undefined') {
    document.documentElement.dataset.theme = t;
    document.documentElement.style.colorScheme = t;
  }
}
applyToDocument(theme.value);

export function useTheme(): { preference: Ref<ThemePreference>; theme: ComputedRef<Theme>; set: (p: ThemePreference) => void; toggle: () => void } {
  const set = (p: ThemePreference) => {
    preference.value = p;
    try {
      window.localStorage.setItem(THEME_STORAGE_KEY, p);
    } catch {
      // storage unavailable (private mode): the choice lasts for this page only
    }
    applyToDocument(theme.value);
  };
  return { preference, theme, set, toggle: () => set(nextPreference(preference.value)) };
}

// The system scheme may change while the page is open.
if (media) media.addEventListener?.('change', () => applyToDocument(theme.value));
