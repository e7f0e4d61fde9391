import { onBeforeUnmount, onMounted, ref, watch, type Ref } from 'vue';

/**
 * Runs `task` now and then every `intervalMs` (0 = paused). Never overlaps runs, pauses while the tab is
 * hidden (no point polling a background tab) and refreshes as soon as it is visible again.
 */
export function useAutoRefresh(task: () => Promise<void>, intervalMs: Ref<number>) {
  const lastUpdated = ref<Date | null>(null);
  const error = ref<string | null>(null);
  const busy = ref(false);
  let timer: ReturnType<typeof setTimeout> | undefined;

  function schedule(): void {
    clearTimeout(timer);
    if (intervalMs.value > 0 && document.visibilityState === 'visible') timer = setTimeout(refresh, intervalMs.value);
  }

  async function refresh(): Promise<void> {
    if (busy.value) return;
    busy.value = true;
    try {
      await task();
      lastUpdated.value = new Date();
      error.value = null;
    } catch (e) {
      error.value = e instanceof Error ? e.message : String(e);
    } finally {
      busy.value = false;
      schedule();
    }
  }

  function onVisibility(): void {
    if (document.visibilityState === 'visible') void refresh();
    else clearTimeout(timer);
  }

  onMounted(() => {
    document.addEventListener('visibilitychange', onVisibility);
    void refresh();
  });
  onBeforeUnmount(() => {
    document.removeEventListener('visibilitychange', onVisibility);
    clearTimeout(timer);
  });
  watch(intervalMs, schedule);

  return { refresh, lastUpdated, error, busy };
}
