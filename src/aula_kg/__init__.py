"""aula-kg: a knowledge graph of town-centre revitalisation (Agence d'urbanisme de l'Artois)."""

__version__ = "0.1.0"
