"""The Word report for the commissioner (``klantreis report``).

    >>> from klantreis.report import build_report
    >>> build_report(study)                  # computes what it needs, writes reports/<titel>.docx
    >>> build_report(study, run_context)     # from the pipeline: reuses the stage results

``render_pdf`` converts a report with LibreOffice (tables of contents updated).
"""
from .builder import (
                      ReportBuilder,
                      ReportSettings,
                      build_report,
                      check_generated_text,
                      default_output,
                      dutch_date,
                      privacy_gate,
                      slugify,
)
from .context import ReportContext, report_context
from .docx_kit import DocxWriter, field_instructions
from .evidence import (
                      FindingEvidence,
                      InterviewFacts,
                      QuoteRef,
                      QuoteRegistry,
                      finding_evidence,
                      interview_facts,
                      is_weak,
                      number_word,
)
from .render import find_soffice, render_pdf

__all__ = ["build_report", "ReportBuilder", "ReportSettings", "ReportContext", "report_context",
           "DocxWriter", "field_instructions", "FindingEvidence", "InterviewFacts", "QuoteRef",
           "QuoteRegistry", "finding_evidence", "interview_facts", "is_weak", "number_word",
           "default_output", "slugify", "dutch_date", "privacy_gate", "check_generated_text",
           "render_pdf", "find_soffice"]
