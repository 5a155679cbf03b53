/** Public API of the query math: import from here rather than from the individual files. */
export { toChannels } from './granularity.ts';
export type { ChannelReduce } from './granularity.ts';
export {
  argmaxHistogram, argmaxPerRow, columnMax, columnMean, groupArgmaxHistogram, groupedAggregates, groupMax, groupMean, subsetAggregates, subsetPartials, combineSubsetPartials, SUM_BLOCK, topK,
} from './aggregates.ts';
export type { GroupedAggregates, SubsetAggregates, SubsetPartial, SubsetParts } from './aggregates.ts';
export { cosineDistance, jensenShannonDistance, precisionAtK } from './metrics.ts';
export { answerS1, answerS2, answerS3, combinationSubsets, precisionCurve, prepareExactAnswers, scoreSample } from './querysets.ts';
export type {
  Combination, CombinationScore, ExactAnswers, QuerySetInput, QuerySetLayer, QuerySetScore, RankBy, S1Options,
} from './querysets.ts';
export { centredGram, ckaFromGrams, ckaMatrix, ckaMatrixFromGrams, ckaPrepared, GRAM_MAX_ITEMS, linearCka, prepareCka } from './cka.ts';
export type { CkaPrepared } from './cka.ts';
export { bootstrapS1, bootstrapS2, bootstrapS3, bootstrapScores } from './bootstrap.ts';
export type { BootstrapInterval, BootstrapOptions, BootstrapTopK } from './bootstrap.ts';
export {
  aggregatePlan, q1FromAggregates, q1PerClassMean, q1Plan, q2Plan, q2TopKIncorrect, q3FromAggregates, q3IncorrectVsCorrect, q3Plan,
  q4LogitLayerSimilarity, q5ConfusedNeurons, q5Plan, q6LearningSpeed, q7ModelSimilarity, selectItems, topFromAggregates,
} from './named.ts';
export type {
  ConfusionCellNeurons, IncorrectVsCorrect, ItemMeta, LearningSpeed, LogitLayerSimilarity, ModelSimilarity, Outcome,
  PerClassMeans, QueryPlan, SubsetFilter, TopNeurons,
} from './named.ts';
export { combineBlockPartials } from './block-partials.ts';
export type { BlockPartial } from './block-partials.ts';
export { selectRows } from './validate.ts';
