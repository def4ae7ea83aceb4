"""Demo attachments: photos drawn with Pillow (deterministic from the seed and the appeal id, small)
for the named citizen's appeals, a few hundred others, and the approved final answers of a share of
them («фото после»). They go through the same checks and storage as an upload
(services/file_checks, services/attachments), so the card shows them through the signed route."""

import random

from PIL import Image, ImageDraw
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from ..domain.enums import AnswerKind, ReviewState
from ..domain.models import Answer, Appeal, User
from ..services import attachments
from ..services.actors import Actor
from ..services.file_checks import check_file

SIZE = (480, 360)
OTHER_APPEALS = 240  # besides the named citizen's
ANSWER_PHOTOS = 120


def draw(seed: int, appeal_id: int, after: bool) -> bytes:
    """A street scene: sky, ground, a house, and the problem (a dark patch) or its fix (a clean one)."""
    import io

    rng = random.Random(seed * 1_000_003 + appeal_id * 2 + after)
    image = Image.new("RGB", SIZE, (150 + rng.randrange(60), 180 + rng.randrange(50), 220 + rng.randrange(30)))
    pen = ImageDraw.Draw(image)
    horizon = 170 + rng.randrange(40)
    pen.rectangle([0, horizon, SIZE[0], SIZE[1]], fill=(90 + rng.randrange(40),) * 3)
    x = rng.randrange(20, 260)
    pen.rectangle([x, horizon - 120, x + 150, horizon], fill=(170 + rng.randrange(60), 110, 80))
    for wx in range(x + 15, x + 140, 40):
        pen.rectangle([wx, horizon - 100, wx + 22, horizon - 70], fill=(250, 240, 180))
    cx, cy = rng.randrange(120, 360), rng.randrange(horizon + 40, SIZE[1] - 30)
    if after:
        pen.rectangle([cx - 70, cy - 18, cx + 70, cy + 18], fill=(60, 60, 64))
    else:
        pen.ellipse([cx - 60, cy - 20, cx + 60, cy + 20], fill=(45, 35, 30))
        pen.line([cx - 80, cy + 25, cx + 70, cy - 28], fill=(230, 200, 40), width=4)
    pen.text((10, 10), f"№{appeal_id} · {'после' if after else 'до'}", fill=(20, 20, 20))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=70)
    return buffer.getvalue()


def write_demo_files(engine: Engine, seed: int, citizen_login: str = "citizen") -> int:
    """Attach the demo photos; returns how many files were stored."""
    stored = 0
    with Session(engine, expire_on_commit=False) as session:
        citizen = session.exec(select(User).where(User.login == citizen_login)).first()
        mine = session.exec(select(Appeal).where(Appeal.citizen_id == citizen.id)).all() if citizen else []
        rng = random.Random(seed)
        others = session.exec(select(Appeal).where(Appeal.citizen_id.is_not(None), Appeal.source_history.is_(False))
                              .order_by(Appeal.id).limit(OTHER_APPEALS * 4)).all()
        picked = {a.id: a for a in mine}
        for appeal in rng.sample(others, min(OTHER_APPEALS, len(others))):
            picked.setdefault(appeal.id, appeal)
        authors = {u.id: u for u in session.exec(select(User).where(User.id.in_(
            {a.citizen_id for a in picked.values()}))).all()}
        for appeal in sorted(picked.values(), key=lambda a: a.id):
            owner = authors.get(appeal.citizen_id)
            photos = [check_file(f"IMG_{appeal.id}_{k}.jpg", draw(seed, appeal.id * 3 + k, False))
                      for k in range(1 + (appeal.id % 3 == 0))]
            attachments.attach(session, actor=Actor.of(owner), appeal_id=appeal.id, files=photos, now=appeal.created_at)
            stored += len(photos)
        approved = (Answer.kind == AnswerKind.FINAL, Answer.review_state == ReviewState.APPROVED)
        own = [a.id for a in mine]  # the named citizen's answers first: their cards show the «after» photos
        answers = session.exec(select(Answer).where(Answer.appeal_id.in_(own), *approved).order_by(Answer.id)).all()
        answers += session.exec(select(Answer).where(Answer.appeal_id.in_(list(picked)), Answer.appeal_id.not_in(own),
                                                     *approved).order_by(Answer.id)
                                .limit(max(0, ANSWER_PHOTOS - len(answers)))).all()
        staff = {u.id: u for u in session.exec(select(User).where(User.id.in_(
            {a.author_id for a in answers if a.author_id}))).all()}
        for answer in answers:
            author = staff.get(answer.author_id)
            if author is None:
                continue
            photo = check_file(f"после_{answer.appeal_id}.jpg", draw(seed, answer.appeal_id, True))
            attachments.attach(session, actor=Actor.of(author), appeal_id=answer.appeal_id, answer_id=answer.id,
                               files=[photo], now=answer.created_at)
            stored += 1
        session.commit()
    return stored
