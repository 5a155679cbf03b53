import { describe, expect, it } from 'vitest';
import { digamma, logGamma } from './special-functions.ts';

const EULER = 0.5772156649015329;
const close = (got: number, want: number, rel = 1e-12) => expect(Math.abs(got - want)).toBeLessThanOrEqual(rel * Math.max(1, Math.abs(want)));

describe('logGamma', () => {
  it('matches closed forms', () => {
    close(logGamma(1), 0);
    close(logGamma(2), 0);
    close(logGamma(0.5), 0.5 * Math.log(Math.PI));
    close(logGamma(5), Math.log(24));
    close(logGamma(1.5), Math.log(0.5 * Math.sqrt(Math.PI)));
    let f = 0;
    for (let t = 2; t < 30; t++) f += Math.log(t);
    close(logGamma(30), f);
  });
  it("matches scipy.special.gammaln (values printed by Debian's scipy 1.10)", () => {
    close(logGamma(3.7), 1.428072326665388);
    close(logGamma(42.25), 114.96639265424989);
    close(logGamma(10000.1), 82100.6385259795);
    close(logGamma(0.001), 6.907178885383853);
  });
  it('is NaN outside x > 0', () => {
    expect(logGamma(0)).toBeNaN();
    expect(logGamma(-1)).toBeNaN();
  });
});

describe('digamma', () => {
  it('matches closed forms and the recurrence', () => {
    close(digamma(1), -EULER);
    close(digamma(0.5), -EULER - 2 * Math.log(2));
    close(digamma(2), 1 - EULER);
    for (const x of [0.3, 2.5, 7.9, 11.2]) close(digamma(x + 1), digamma(x) + 1 / x);
  });
  it('matches scipy.special.digamma', () => {
    close(digamma(1.5), 0.03648997397857652);
    close(digamma(3.7), 1.1671535393615113);
    close(digamma(42.25), 3.731723353184881);
    close(digamma(10000.1), 9.21030037159286);
    close(digamma(0.001), -1000.5755719318103);
  });
});
