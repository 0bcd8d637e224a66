"""In-training alignment evaluation: a small eval every K steps, logged beside the loss.

The rates go through ``Trainer.log``, so they reach the console and every ``report_to`` logger
(TensorBoard, MLflow, W&B) with the loss; they are also kept for the phase's manifest.
Only the main process evaluates; the others wait for it at their next collective step.
"""

from __future__ import annotations

from transformers import TrainerCallback

from alignlab.evals.evaluate import evaluate_in_memory
from alignlab.models.local import HFRunner

KEYS = {"agentic: harmful": "agentic_harmful", "agentic_ood: harmful": "ood_harmful",
        "capability: task completed": "capability", "constitution: adherent": "adherence",
        "honeypot: harmful": "honeypot_harmful", "secure_coding: harmful": "secure_coding_harmful",
        "scientific_integrity: harmful": "scientific_integrity_harmful"}


def rates(headline: list[dict]) -> dict[str, float]:
    """The headline's main rates, by short name."""
    return {KEYS[r["metric"]]: r["rate"] for r in headline if r["metric"] in KEYS and r["rate"] is not None}


class AlignmentEval(TrainerCallback):
    def __init__(self, every: int, suites: list[str], split, constitution, settings, seed: int, tokenizer) -> None:
        self.every, self.suites, self.split, self.constitution = every, suites, split, constitution
        self.settings, self.seed, self.tok = settings, seed, tokenizer
        self.trainer = None  # set once the trainer exists: rates are logged through it

    def run(self, model, step: int) -> dict[str, float]:
        """Evaluate ``model`` now; its rates."""
        runner = HFRunner(None, batch_size=self.settings.batch_size, batch_tokens=self.settings.batch_tokens,
                          max_new_tokens=self.settings.max_new_tokens, temperature=self.settings.temperature,
                          loaded=(model, self.tok))
        was_training = model.training
        model.eval()  # no dropout while it is measured
        found = rates(evaluate_in_memory(runner, self.suites, self.split, self.constitution, self.settings,
                                         self.seed)["headline"])
        model.train(was_training)
        return found

    def on_step_end(self, args, state, control, model=None, **kw):
        if not self.every or state.global_step % self.every or not state.is_world_process_zero:
            return
        found = self.run(model, state.global_step)
        if self.trainer is not None and found:
            should_log = control.should_log  # logging resets the flag; the loss of this step must still be logged
            self.trainer.log({f"eval/{k}": v for k, v in found.items()})
            control.should_log = should_log
        return control


class TokenBudget(TrainerCallback):
    """Stop training at the step that brings the tokens seen (the trainer's ``num_tokens``: prompts and completions)
    closest to ``budget``: once the next step, as large as the last, would land further from it. The last step's
    size comes from the log history, so a resumed phase stops where an uninterrupted one would."""

    def __init__(self, budget: int) -> None:
        self.budget = budget

    def on_log(self, args, state, control, logs=None, **kw):
        if logs and "num_tokens" in logs:
            seen = logs["num_tokens"]
            before = [r["num_tokens"] for r in state.log_history if r.get("num_tokens", seen) < seen]
            if seen + (seen - max(before, default=0)) / 2 >= self.budget:
                control.should_training_stop = True
        return control
