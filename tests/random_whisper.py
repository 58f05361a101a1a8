"""A small multilingual openai-whisper checkpoint with random weights, made in a temporary
folder: no multilingual weights ship with the project and nothing may be downloaded.

It is a real ``whisper.model.Whisper`` (Whisper's multilingual vocabulary, n_vocab 51865,
tiny layer sizes), so registering it, loading it and detecting a language run the real
code. Its language guess is random but valid. Its decoder is set to end every window at
once (the end-of-text token always wins after the first timestamp), so it transcribes
nothing, quickly and without Whisper's temperature fallbacks.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path


def random_checkpoint(path: Path, seed: int = 0) -> Path:
    import torch
    from whisper.model import ModelDimensions, Whisper
    from whisper.tokenizer import get_tokenizer

    dims = ModelDimensions(n_mels=80, n_audio_ctx=1500, n_audio_state=64, n_audio_head=1, n_audio_layer=1,
                           n_vocab=51865, n_text_ctx=448, n_text_state=64, n_text_head=1, n_text_layer=1)
    torch.manual_seed(seed)
    model = Whisper(dims)
    tokenizer = get_tokenizer(multilingual=True)
    with torch.no_grad():
        model.decoder.positional_embedding.normal_(0.0, 0.02)  # torch.empty in Whisper: loaded, never initialised
        ln, embedding = model.decoder.ln, model.decoder.token_embedding.weight
        ln.weight.zero_()  # every position's output is ln.bias: the same logits at every step
        ln.bias.copy_(torch.randn(dims.n_text_state))
        embedding[tokenizer.timestamp_begin] = ln.bias * 9  # "<|0.00|>" first (a timestamp must open a window)
        embedding[tokenizer.eot] = ln.bias * 10  # then end of text
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"dims": asdict(dims), "model_state_dict": model.state_dict()}, path)
    return path
