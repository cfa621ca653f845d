"""Reminder letters (PDF) and e-mail drafts (.eml) rendered from jinja2 templates in the customer's language."""
