/**
 * Gradient kernels that @tensorflow/tfjs-backend-wasm 4.22 lacks, expressed with the wasm
 * backend's own kernels (Transpose, Conv2D, Slice) so that training a conv net and input
 * saliency run on wasm instead of the ~60× slower pure-JS cpu backend.
 *
 * Of what our two architectures need for training (Conv2D, FusedBatchNorm via ops, MaxPool,
 * Relu, MatMul, Softmax cross-entropy, Adam) and saliency (Conv2DBackpropInput, MaxPoolGrad),
 * wasm 4.22 misses only Conv2DBackpropFilter. (It also misses the depthwise-conv and
 * UnsortedSegmentSum gradients, which no architecture here uses.)
 *
 * Filter gradient as a convolution (NHWC, stride s, dilation 1, padding top/left):
 *   dW[kh,kw,ci,co] = Σ_{b,oh,ow} x[b, oh·s + kh − top, ow·s + kw − left, ci] · dy[b,oh,ow,co]
 * Swap batch and channel of x (→ [ci, H, W, b]) and use dy as the filter ([oh, ow, b, co]) with
 * dilation s and stride 1: the result is [ci, kh', kw', co] with kh' ≥ kh; slice and transpose.
 */
import * as tf from '@tensorflow/tfjs';

const { backend_util } = tf;
/** [[0,0],[top,bottom],[left,right],[0,0]] (tfjs-core's ExplicitPadding, not exported as a type). */
type ExplicitPadding = [[number, number], [number, number], [number, number], [number, number]];

interface Conv2DBackpropFilterAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

/** The pure tensor computation, usable on any backend (the tests compare it with cpu's kernel). */
export function conv2dFilterGradViaConv(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  attrs: Conv2DBackpropFilterAttrs,
): tf.Tensor4D {
  if (attrs.dataFormat === 'NCHW') {
    throw new Error('Conv2DBackpropFilter (wasm): only NHWC data format is supported');
  }
  const info = backend_util.computeConv2DInfo(
    x.shape, attrs.filterShape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast',
  );
  const [kh, kw, ci, co] = attrs.filterShape;
  return tf.tidy(() => {
    const xT = tf.transpose(x, [3, 1, 2, 0]); // [ci, H, W, b]
    const dyT = tf.transpose(dy, [1, 2, 0, 3]); // [oh, ow, b, co]
    const pad: ExplicitPadding = [
      [0, 0], [info.padInfo.top, info.padInfo.bottom], [info.padInfo.left, info.padInfo.right], [0, 0],
    ];
    const dilation: [number, number] = [info.strideHeight, info.strideWidth];
    const full = tf.conv2d(xT, dyT, 1, pad, 'NHWC', dilation); // [ci, kh', kw', co]
    const cropped = full.shape[1] === kh && full.shape[2] === kw ? full : tf.slice(full, [0, 0, 0, 0], [ci, kh, kw, co]);
    return tf.transpose(cropped, [1, 2, 0, 3]) as tf.Tensor4D; // [kh, kw, ci, co]
  });
}

let registered = false;

/**
 * Registers the missing gradient kernels for the 'wasm' backend. Idempotent. Returns the names
 * of kernels it added (empty when they were already there).
 */
export function registerWasmGradKernels(): string[] {
  if (registered) return [];
  registered = true;
  const added: string[] = [];
  const have = new Set(tf.getKernelsForBackend('wasm').map((k) => k.kernelName));
  if (!have.has('Conv2DBackpropFilter')) {
    tf.registerKernel({
      kernelName: 'Conv2DBackpropFilter',
      backendName: 'wasm',
      // Ops called inside a kernel are not recorded on the gradient tape (kernelDepth > 0), and
      // the engine accepts a Tensor as a kernel output, so composing tf ops here is safe.
      kernelFunc: ({ inputs, attrs }) => {
        const { x, dy } = inputs as { x: tf.Tensor4D; dy: tf.Tensor4D };
        return conv2dFilterGradViaConv(x, dy, attrs as unknown as Conv2DBackpropFilterAttrs);
      },
    });
    added.push('Conv2DBackpropFilter');
  }
  return added;
}
