/** neuron.*: the drill-down into one neuron (or channel): its top-activating inputs with saliency maps. */
import type { HandlerModule } from '../context.ts';
import { ensureActivations } from '../services/extraction.ts';
import { inspectNeuron, type NeuronDeps } from '../services/neurons.ts';
import { disposeSaliencyModels } from '../services/saliency.ts';

/** The handlers over given dependencies (tests pass a fake extraction and saliency). */
export function createNeuronHandlers(deps: Omit<NeuronDeps, 'now'>): HandlerModule {
  return (ctx) => {
    // Loaded models belong to the project they came from: free them when another one opens.
    ctx.workspace.onChange(() => { void disposeSaliencyModels(); });
    return {
      'neuron.inspect': (params) => inspectNeuron(ctx.workspace.requireStore(), params, { ...deps, now: ctx.now }),
    };
  };
}

export const neuronHandlers: HandlerModule = createNeuronHandlers({ ensureActivations });
